import pytest
from django.utils import timezone

from scoring.reviews import awarding, services
from scoring.reviews.models import Award
from tests.reviews.fixtures import make_cycle

pytestmark = pytest.mark.django_db


def _award(cycle, village, star):
    return Award.objects.create(cycle=cycle, village=village, star=star,
                                awarded_on=timezone.localdate())


def test_awarded_stars_come_in_the_five_star_order_without_revoked_ones(
        cycle_a, village_a, reviewer_a):
    for star in ("civility", "industry", "branch", "safety"):
        _award(cycle_a, village_a, star)
    safety = Award.objects.get(star="safety")
    awarding.revoke(safety.pk, reviewer_a, "发生刑事案件")
    assert services.awarded_stars(village_a, cycle_a.year) == ["branch", "industry",
                                                               "civility"]


def test_awarded_stars_ignore_later_cycles_and_other_villages(town_a, village_a, village_b):
    past = make_cycle(town_a.parent, year=2025)
    later = make_cycle(town_a.parent, year=2027)
    _award(past, village_a, "ecology")
    _award(later, village_a, "branch")
    _award(past, village_b, "industry")
    assert services.awarded_stars(village_a, 2026) == ["ecology"]
    assert services.awarded_stars(village_a, 2027) == ["branch", "ecology"]
