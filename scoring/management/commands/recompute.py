from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import engine, services
from villages.models import Village


def month_argument(text: str):
    try:
        return engine.parse_month(text)
    except ValueError:
        raise CommandError(_("Month must look like YYYY-MM, e.g. 2026-03: %(value)s")
                           % {"value": text})


def prefix_argument(code: str | None) -> str:
    if not code:
        return ""
    try:
        return services.division_prefix(code)
    except ValueError:
        raise CommandError(_("No unit or village has the division code %(code)s.")
                           % {"code": code})


class Command(BaseCommand):
    help = ("Recompute stored star assessments (official and preview). Without --month: "
            "every month of the current cycle that has entries.")

    def add_arguments(self, parser):
        parser.add_argument("--division", help="division code of a unit or village")
        parser.add_argument("--month", help="YYYY-MM")

    def handle(self, *args, division=None, month=None, verbosity=1, **options):
        prefix = prefix_argument(division)
        if month:
            months = [month_argument(month)]
        else:
            months = services.months_with_entries(prefix, timezone.localdate().year)
        villages = Village.objects.filter(code__startswith=prefix)
        if not months:
            self.stdout.write(_("No entries in the current cycle: nothing to recompute."))
            return
        total = 0
        for each in months:
            def progress(done, count, each=each):
                if verbosity > 1:
                    self.stdout.write(_("%(month)s: %(done)d / %(count)d villages")
                                      % {"month": f"{each:%Y-%m}", "done": done,
                                         "count": count})
            stored = services.recompute(villages, each, progress=progress)
            total += stored
            self.stdout.write(_("%(month)s: %(rows)d assessments stored")
                              % {"month": f"{each:%Y-%m}", "rows": stored})
        self.stdout.write(self.style.SUCCESS(
            _("Done: %(rows)d assessments in %(months)d months.")
            % {"rows": total, "months": len(months)}))
