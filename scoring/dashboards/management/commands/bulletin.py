from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring import services
from scoring.dashboards.bulletin import bulletin_for
from scoring.dashboards.export import workbook
from scoring.dashboards.periods import Quarter
from villages.models import UnitLevel
from wuxing.accounts.models import AuditEvent, AuditKind


class Command(BaseCommand):
    help = "Generate the quarterly bulletin of a town or county as an Excel workbook."

    def add_arguments(self, parser):
        parser.add_argument("--division", required=True,
                            help="division code of a town or county (12 digits or the "
                                 "significant ones, as for star_report)")
        parser.add_argument("--quarter", required=True, help="e.g. 2026Q3")
        parser.add_argument("-o", "--output", help="file name (default: bulletin-CODE-Q.xlsx)")

    def handle(self, *args, division, quarter, output=None, **options):
        try:
            unit = services.division_unit(division)  # the reading star_report uses
        except ValueError:
            unit = None
        if unit is None or unit.level not in (UnitLevel.TOWN, UnitLevel.COUNTY):
            raise CommandError(_("No town or county has the code %(code)s.") % {"code": division})
        try:
            parsed = Quarter.parse(quarter)
        except ValueError:
            raise CommandError(_("A quarter looks like 2026Q3.")) from None
        bulletin = bulletin_for(unit, parsed)
        path = Path(output or f"bulletin-{unit.code}-{parsed}.xlsx")
        path.write_bytes(workbook(bulletin))
        AuditEvent.record(AuditKind.EXPORT, username="manage.py bulletin",
                          target=f"bulletin {unit.code} {parsed}", rows=len(bulletin.ranking))
        self.stdout.write(_("%(title)s: %(n)d villages written to %(path)s") % {
            "title": bulletin.title, "n": len(bulletin.ranking), "path": path})
