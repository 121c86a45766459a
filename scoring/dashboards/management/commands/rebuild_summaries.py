from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from scoring.dashboards import summaries
from scoring.engine import parse_month


class Command(BaseCommand):
    help = "Rebuild the dashboards' village statuses and unit summaries from assessments."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: every month assessed)")

    def handle(self, *args, month=None, **options):
        months = summaries.rebuild(parse_month(month) if month else None)
        self.stdout.write(_("Rebuilt the summaries of %(n)d month(s).") % {"n": months})
