"""Fixtures of the star reviews, shared with the permission matrix (tests/conftest.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scoring.reviews.models import (
    Application,
    AppState,
    Award,
    Objection,
    PublicNotice,
    RatingCycle,
    Snapshot,
)
from tests import factories


def make_cycle(county, ruleset=None, **fields) -> RatingCycle:
    today = timezone.localdate()
    # The next New Year is listed: notices published in late December still schedule when
    # the holiday calendar does not know the next year yet (reviews/workdays.py).
    values = {"year": ruleset.year if ruleset else today.year, "ruleset": ruleset,
              "opens_on": today - timedelta(days=30), "closes_on": today + timedelta(days=30),
              "holidays": [f"{today.year + 1}-01-01"]}
    values.update(fields)
    return RatingCycle.objects.create(county=county, **values)


def make_application(cycle, village, submitted_by, state=AppState.TOWN, stars=None,
                     earned=(), **fields) -> Application:
    """An application put straight into `state` (set once, at creation), with a snapshot
    whose engine result marks the `earned` stars met."""
    application = Application.objects.create(
        cycle=cycle, village=village, submitted_by=submitted_by, state=state,
        stars=stars or ["industry", "ecology"], **fields)
    Snapshot.objects.create(application=application, round=application.round,
                            month=timezone.localdate().replace(day=1),
                            result={"level": len(earned), "indicators": {},
                                    "stars": {code: {"earned": True} for code in earned}})
    return application


def decisions(state, approve=("industry",), refuse=("ecology",),
              why="经实地核查，材料属实") -> dict:
    """The county's approve form: every star decided explicitly, each with a reason
    (the fixture snapshot marks no star met)."""
    data = {"state": state}
    for code in approve:
        data[f"decision_{code}"] = "approve"
        data[f"why_{code}"] = why
    for code in refuse:
        data[f"decision_{code}"] = "refuse"
        data[f"why_{code}"] = "材料不全"
    return data


@pytest.fixture
def reviewer_a(town_a):
    """A county reviewer of town A's county."""
    return factories.user_with_role("county_reviewer", unit=town_a.parent)


@pytest.fixture
def cycle_a(town_a, ruleset):
    return make_cycle(town_a.parent, ruleset)


@pytest.fixture
def app_town(cycle_a, village_a, secretary_a):
    return make_application(cycle_a, village_a, secretary_a, AppState.TOWN)


@pytest.fixture
def app_county(cycle_a, village_a, secretary_a):
    return make_application(cycle_a, village_a, secretary_a, AppState.COUNTY)


@pytest.fixture
def app_returned(cycle_a, village_a, secretary_a):
    return make_application(cycle_a, village_a, secretary_a, AppState.RETURNED,
                            returned_step="town",
                            flags={"stars": {"industry": "缺少合作社分红凭证"}})


@pytest.fixture
def app_approved(cycle_a, village_a, secretary_a):
    return make_application(cycle_a, village_a, secretary_a, AppState.APPROVED,
                            approved_stars=["industry", "ecology"])


def _notice(cycle, user, start, end):
    return PublicNotice.objects.create(cycle=cycle, starts_on=start, ends_on=end,
                                       published_by=user)


@pytest.fixture
def app_notice(cycle_a, village_a, secretary_a, reviewer_a):
    today = timezone.localdate()
    notice = _notice(cycle_a, reviewer_a, today, today + timedelta(days=6))
    return make_application(cycle_a, village_a, secretary_a, AppState.NOTICE,
                            approved_stars=["industry", "ecology"], notice=notice)


@pytest.fixture
def app_notice_over(cycle_a, village_a, secretary_a, reviewer_a):
    today = timezone.localdate()
    notice = _notice(cycle_a, reviewer_a, today - timedelta(days=10),
                     today - timedelta(days=3))
    return make_application(cycle_a, village_a, secretary_a, AppState.NOTICE,
                            approved_stars=["industry", "ecology"], notice=notice)


@pytest.fixture
def objection_a(app_notice, official_a):
    return Objection.objects.create(application=app_notice, star="industry",
                                    text="分红账目未公开", filed_by=official_a)


@pytest.fixture
def award_a(cycle_a, village_a):
    return Award.objects.create(cycle=cycle_a, village=village_a, star="safety",
                                awarded_on=timezone.localdate())


@pytest.fixture
def award_revoked(cycle_a, village_a):
    return Award.objects.create(cycle=cycle_a, village=village_a, star="civility",
                                awarded_on=timezone.localdate(), status="revoked",
                                revoked_on=timezone.localdate(), reason="刑事案件")


def ensure_stars() -> None:
    """Transactional tests run after others' flushes, which empty the data migration's
    Star rows: put them back (idempotent)."""
    import importlib

    from django.apps import apps
    migration = importlib.import_module("scoring.migrations.0002_the_five_stars")
    migration.create_stars(apps, None)
