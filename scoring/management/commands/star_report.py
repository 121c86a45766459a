import csv

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring import engine, services
from scoring.management.commands.recompute import month_argument, prefix_argument
from scoring.stars import StarCode
from wuxing.spreadsheets import neutral_row


class Command(BaseCommand):
    help = ("One row per village under a unit: level and earned stars (official results). "
            "Without --month, the latest month that has entries.")

    def add_arguments(self, parser):
        parser.add_argument("--division", required=True,
                            help="division code of a unit or village")
        parser.add_argument("--month", help="YYYY-MM")
        parser.add_argument("--format", choices=["table", "csv"], default="table")

    def handle(self, *args, division, month=None, format="table", **options):
        prefix = prefix_argument(division)
        if month:
            when = month_argument(month)
        else:
            months = services.months_with_entries(prefix)
            if not months:
                raise CommandError(_("No entries under %(code)s yet.") % {"code": division})
            when = months[-1]
        rows = services.star_report(prefix, when)
        if format == "csv":
            # RFC 4180 line ends: the writer then also quotes a name holding a lone CR.
            writer = csv.writer(self.stdout, lineterminator="\r\n")
            writer.writerow(["code", "name", "level", "stars"])
            writer.writerows(neutral_row(row) for row in rows)
            return
        self._table(rows, when)

    def _table(self, rows, when) -> None:
        self.stdout.write(_("Star report for %(month)s (official results)")
                          % {"month": f"{when:%Y-%m}"})
        width = max((len(name) for _code, name, _level, _stars in rows), default=4)
        for code, name, level, stars in rows:
            names = "、".join(str(StarCode(s).label) for s in stars.split("+") if s)
            self.stdout.write(f"{code}  {name}{'　' * (width - len(name))}  {level}  "
                              f"{names or '—'}")
        counts = [sum(1 for r in rows if r[2] == n) for n in range(6)]
        self.stdout.write(_("Villages by level: %(counts)s") % {"counts": ", ".join(
            f"{engine.DEFAULT_LEVEL_LABELS[n]} {c}" for n, c in enumerate(counts))})
