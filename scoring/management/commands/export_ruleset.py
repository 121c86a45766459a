from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring import rulesets
from scoring.models import RuleSet


class Command(BaseCommand):
    help = "Write a rule set as a rule-set file (to standard output, or -o FILE)."

    def add_arguments(self, parser):
        parser.add_argument("id", type=int)
        parser.add_argument("-o", "--output", help="file to write")

    def handle(self, *args, id, output=None, **options):
        ruleset = RuleSet.objects.select_related("issuer").filter(pk=id).first()
        if ruleset is None:
            raise CommandError(_("No rule set has the id %(id)d.") % {"id": id})
        text = rulesets.export_text(ruleset)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(_("Written to %(file)s.") % {"file": output}))
        else:
            self.stdout.write(text, ending="")
