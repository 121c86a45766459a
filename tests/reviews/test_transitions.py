"""The full transition table: for each state and transition, who may take it."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from scoring.reviews import awarding, services
from scoring.reviews.models import AppState, PublicNotice, RatingCycle, ReviewLog
from tests import factories
from tests.reviews.fixtures import make_application, make_cycle

pytestmark = pytest.mark.django_db

ROLES = ("secretary", "official", "leader", "reviewer", "observer")
ACTIONS = ("resubmit", "pass_step", "send_back", "approve", "reject", "publish", "award")
STATES = (AppState.TOWN, AppState.COUNTY, AppState.RETURNED, AppState.APPROVED,
          AppState.NOTICE, AppState.AWARDED, AppState.REJECTED, AppState.NOT_AWARDED)

# (state, transition) -> the roles that may take it; every other pair is refused.
ALLOWED = {
    (AppState.TOWN, "pass_step"): {"leader"},
    (AppState.TOWN, "send_back"): {"leader"},
    (AppState.COUNTY, "send_back"): {"reviewer"},
    (AppState.COUNTY, "approve"): {"reviewer"},
    (AppState.COUNTY, "reject"): {"reviewer"},
    (AppState.RETURNED, "resubmit"): {"secretary", "official"},
    (AppState.APPROVED, "publish"): {"reviewer"},
    (AppState.NOTICE, "award"): {"reviewer"},
}
TARGET = {
    (AppState.TOWN, "pass_step"): AppState.COUNTY,
    (AppState.TOWN, "send_back"): AppState.RETURNED,
    (AppState.COUNTY, "send_back"): AppState.RETURNED,
    (AppState.COUNTY, "approve"): AppState.APPROVED,
    (AppState.COUNTY, "reject"): AppState.REJECTED,
    (AppState.RETURNED, "resubmit"): AppState.TOWN,
    (AppState.APPROVED, "publish"): AppState.NOTICE,
    (AppState.NOTICE, "award"): AppState.AWARDED,
}


@pytest.fixture
def people(town_a, village_a):
    return {
        "secretary": factories.user_with_role("village_secretary", village=village_a),
        "official": factories.user_with_role("town_official", unit=town_a),
        "leader": factories.user_with_role("town_leader", unit=town_a),
        "reviewer": factories.user_with_role("county_reviewer", unit=town_a.parent),
        "observer": factories.user_with_role("observer", unit=town_a),
    }


def _application(state, village, people):
    cycle = (RatingCycle.objects.filter(county=village.town.parent).first()
             or make_cycle(village.town.parent))
    today = timezone.localdate()
    extra = {}
    if state in (AppState.APPROVED, AppState.NOTICE, AppState.AWARDED):
        extra["approved_stars"] = ["industry"]
    if state == AppState.NOTICE:
        extra["notice"] = PublicNotice.objects.create(
            cycle=cycle, starts_on=today - timedelta(days=9), ends_on=today - timedelta(days=2),
            published_by=people["reviewer"])
    if state == AppState.RETURNED:
        extra.update(returned_step="town", flags={"stars": {"industry": "缺凭证"}})
    # A submitter outside the table's roles: separation of duties is tested on its own.
    submitter = factories.user_with_role("village_secretary", village=village)
    return make_application(cycle, village, submitter, state, stars=["industry"], **extra)


def _args(action, application, user):
    if action == "send_back":
        return ({"stars": {"industry": "缺凭证"}},)
    if action == "approve":
        return (["industry"], {})
    if action == "reject":
        return ({"industry": "不实"},)
    if action == "publish":
        return (application.notice or PublicNotice.objects.create(
            cycle=application.cycle, starts_on=timezone.localdate(),
            ends_on=timezone.localdate(), published_by=user),)
    return ()


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_the_transition_table(state, action, village_a, people):
    allowed = ALLOWED.get((state, action), set())
    application = _application(state, village_a, people)
    for role in ROLES:
        user = people[role]
        if role in allowed:
            continue
        with pytest.raises((PermissionDenied, services.AlreadyHandled)):
            services.run(application.pk, user, action, *_args(action, application, user))
        application.refresh_from_db()
        assert application.state == state, (role, "changed the state")
    for role in sorted(allowed):
        application = _application(state, village_a, people)
        user = people[role]
        services.run(application.pk, user, action, *_args(action, application, user))
        application.refresh_from_db()
        assert application.state == TARGET[(state, action)], role
        log = ReviewLog.objects.get(application=application, action=action)
        assert (log.from_state, log.to_state, log.actor) == (state, application.state, user)


def test_a_refused_transition_changes_nothing_and_logs_nothing(village_a, people):
    application = _application(AppState.TOWN, village_a, people)
    with pytest.raises(PermissionDenied):
        services.run(application.pk, people["reviewer"], "pass_step")
    with pytest.raises(services.AlreadyHandled):  # a village cannot skip to the county
        services.run(application.pk, people["reviewer"], "approve", ["industry"], {})
    assert not ReviewLog.objects.filter(application=application).exists()


def test_the_award_waits_for_the_end_of_the_notice(village_a, people):
    from django.core.exceptions import ValidationError
    application = _application(AppState.NOTICE, village_a, people)
    notice = application.notice
    PublicNotice.objects.filter(pk=notice.pk).update(ends_on=timezone.localdate())
    with pytest.raises(ValidationError):
        awarding.award(application.pk, people["reviewer"])
    application.refresh_from_db()
    assert application.state == AppState.NOTICE
