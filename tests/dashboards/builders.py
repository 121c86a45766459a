"""Entries that make the reference rule set award chosen stars, through the real engine."""

from datetime import date

from scoring.progress.models import Evidence
from tests.factories import enter

# Per star: (indicator, value, photos, documents, every month?) enough to pass it.
RECIPES = {
    "industry": [("cooperatives_led", 1, 0, 1, False), ("collective_income", 200000, 0, 1, False),
                 ("dividend_projects", 1, 0, 0, False),
                 ("poor_household_income", 12000, 0, 0, False)],
    "ecology": [("garbage_cleanup", True, 1, 0, True), ("sewage_coverage", 70, 0, 0, False),
                ("toilet_upgrade", 90, 0, 0, False), ("trees_planted", 3000, 0, 0, False),
                ("road_hardening", 12000, 0, 0, False)],
    "safety": [("criminal_cases", 0, 0, 0, True), ("petitions_beyond", 0, 0, 0, True),
               ("casualty_accidents", 0, 0, 0, True),
               ("dispute_resolution_rate", 98, 0, 0, False),
               ("rule_of_law_village", "县级", 0, 0, False),
               ("legal_publicity", 4, 0, 0, False)],
    "civility": [("civilised_households", 85, 0, 1, False), ("village_rules", True, 0, 1, False),
                 ("day_care_centre", True, 0, 0, False), ("cultural_events", 12, 0, 0, False),
                 ("service_centre", True, 2, 0, False)],
}


def _evidence(entry, photos: int, documents: int) -> None:
    for n in range(photos):
        Evidence.objects.create(entry=entry, kind="photo", file=f"evidence/t/p{entry.pk}-{n}.jpg")
    for n in range(documents):
        Evidence.objects.create(entry=entry, kind="document",
                                file=f"evidence/t/d{entry.pk}-{n}.pdf")


def earn(village, ruleset, month: date, stars, *, skip=()) -> None:
    """Verified entries for `stars` up to `month`; `skip` leaves out indicator codes."""
    for star in stars:
        for code, value, photos, documents, monthly in RECIPES[star]:
            if code in skip:
                continue
            months = [date(month.year, m, 1) for m in range(1, month.month + 1)] \
                if monthly else [month]
            for current in months:
                _evidence(enter(village, ruleset, code, current, value), photos, documents)
