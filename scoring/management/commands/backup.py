from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from wuxing import backup


def print_report(command: BaseCommand, report: backup.Report, what: str) -> None:
    """Write a verification's result; a CommandError (exit status 1) on any difference."""
    if report.problems:
        for problem in report.problems:
            command.stderr.write(problem)
        raise CommandError(_("Verification failed: %(count)d differences from the manifest "
                             "(%(what)s).") % {"count": len(report.problems), "what": what})
    command.stdout.write(_("Verified (%(what)s): %(tables)d tables and %(files)d files match "
                           "the manifest.") % {"what": what, "tables": report.tables,
                                               "files": report.files})


class Command(BaseCommand):
    help = ("Write one backup archive (a .tar file): the database dump, every evidence file "
            "and manifest.json with row counts per table and SHA-256 checksums per file, "
            "then read it back against the manifest. "
            "With --verify ARCHIVE: check an archive's contents against its manifest.")

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", default="backups",
                            help="archive file (.tar) or a folder for "
                                 "wuxing-<UTC time>.tar (default: backups/)")
        parser.add_argument("--verify", metavar="ARCHIVE",
                            help="only check this archive against its manifest")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, output, verify=None, database="default", **options):
        try:
            if verify:
                report = backup.verify_archive(Path(verify))[1]
                print_report(self, report, _("archive %(archive)s") % {"archive": verify})
                return
            target = Path(output)
            if target.suffix != ".tar":
                target = target / f"wuxing-{timezone.now():%Y%m%d-%H%M%S}.tar"
            if target.exists():
                raise CommandError(_("%(archive)s exists already.") % {"archive": target})
            manifest = backup.backup(target, database)
            # Read back at once: an archive is only reported written once it checks out.
            report = backup.verify_archive(target)[1]
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for name in manifest["missing_files"]:
            self.stderr.write(_("Missing in the storage, not in the archive: %(name)s")
                              % {"name": name})
        self.stdout.write(_("Backup written: %(archive)s (%(tables)d tables, %(rows)d rows, "
                            "%(files)d files).")
                          % {"archive": target, "tables": len(manifest["tables"]),
                             "rows": sum(manifest["tables"].values()),
                             "files": len(manifest["files"])})
        print_report(self, report, _("archive %(archive)s") % {"archive": target})
