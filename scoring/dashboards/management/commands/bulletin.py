from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring.dashboards.bulletin import bulletin_for
from scoring.dashboards.export import workbook
from scoring.dashboards.periods import Quarter
from villages.models import AdminUnit, UnitLevel
from wuxing.accounts.models import AuditEvent, AuditKind


class Command(BaseCommand):
    help = "Generate the quarterly bulletin of a town or county as an Excel workbook."

    def add_arguments(self, parser):
        parser.add_argument("--division", required=True, help="12-digit code of the unit")
        parser.add_argument("--quarter", required=True, help="e.g. 2026Q3")
        parser.add_argument("-o", "--output", help="file name (default: bulletin-CODE-Q.xlsx)")

    def handle(self, *args, division, quarter, output=None, **options):
        unit = AdminUnit.objects.filter(code=division, level__in=[
            UnitLevel.TOWN, UnitLevel.COUNTY]).first()
        if unit is None:
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
