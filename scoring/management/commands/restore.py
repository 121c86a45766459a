from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wuxing import backup

from .backup import print_report


class Command(BaseCommand):
    help = ("Restore a backup archive into an EMPTY database and an empty file storage, then "
            "verify every table's row count and every file's checksum against the manifest. "
            "With --verify: only compare the current database and storage with the archive's "
            "manifest.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar file written by `manage.py backup`")
        parser.add_argument("--verify", action="store_true",
                            help="restore nothing; compare database and storage with the "
                                 "manifest")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, archive, verify=False, database="default", **options):
        path = Path(archive)
        try:
            if verify:
                manifest, report = backup.verify_archive(path)
                if report.problems:
                    print_report(self, report, _("archive %(archive)s") % {"archive": path})
                report = backup.verify_live(manifest, database)
            else:
                manifest, report = backup.restore(path, database)
                self.stdout.write(_("Restored %(archive)s (made %(created)s).")
                                  % {"archive": path, "created": manifest["created_at"]})
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        print_report(self, report, _("database and storage"))
