from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring import rulefile, rulesets, wording


class Command(BaseCommand):
    help = ("Import a rule-set file (docs/rule-sets.md) as a draft, or published with "
            "--publish. An invalid file imports nothing; each problem is listed with its line.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--issuer", help="division code of the issuing unit (overrides "
                                             "the file's issuer)")
        parser.add_argument("--publish", action="store_true")

    def handle(self, *args, file, issuer=None, publish=False, **options):
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s")
                               % {"file": file, "error": error})
        try:
            unit = rulesets.issuer_for(issuer) if issuer else None
            ruleset = rulesets.import_text(text, issuer=unit, publish=publish)
        except rulefile.RuleSetFileError as error:
            for problem in error.problems:
                self.stderr.write(wording.problem_line(problem))
            raise CommandError(_("%(file)s has %(count)d problem(s); nothing was imported.")
                               % {"file": file, "count": len(error.problems)})
        except rulesets.UnknownIssuer as error:
            raise CommandError(_("No unit has the division code %(code)s; nothing was "
                                 "imported.") % {"code": error})
        self.stdout.write(self.style.SUCCESS(
            _("Imported “%(name)s” (%(year)d, version %(version)d) as rule set %(id)d: "
              "%(status)s.") % {"name": ruleset.name, "year": ruleset.year,
                                "version": ruleset.version, "id": ruleset.pk,
                                "status": ruleset.get_status_display()}))
