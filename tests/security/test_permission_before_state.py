"""Permission before state: one who may not act gets 403 even on an item already handled.

The state check ("someone already handled this": 409, or a refusal message) must never
run before the permission check, or it tells a user without the right about the item's
progress instead of refusing them.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.reviews.models import AppState, ObjectionStatus
from tests import factories
from tests.reviews.fixtures import decisions, make_application

pytestmark = pytest.mark.django_db

EVERY_ROLE = ("official_a", "observer_a", "leader_a", "secretary_a", "reviewer_a", "admin_a")


@dataclass(frozen=True)
class Handled:
    name: str
    item: str  # fixture of the item, already in a state past this action
    data: dict
    may_act: tuple[str, ...]  # who could take the action (gets 409 or a message instead)

    @property
    def forbidden(self) -> tuple[str, ...]:
        return tuple(user for user in EVERY_ROLE if user not in self.may_act)


@pytest.fixture
def app_awarded(cycle_a, village_a, secretary_a):
    return make_application(cycle_a, village_a, secretary_a, AppState.AWARDED,
                            approved_stars=["industry"])


@pytest.fixture
def objection_resolved(objection_a, reviewer_a):
    objection_a.status, objection_a.resolution = ObjectionStatus.DISMISSED, "不属实"
    objection_a.resolved_by, objection_a.resolved_at = reviewer_a, timezone.now()
    objection_a.save()
    return objection_a


@pytest.fixture
def verified_entry_a(progress_may, village_a, ruleset, official_a):
    return factories.enter(village_a, ruleset, "member_points_rate", progress_may, 92,
                           status="verified", entered_by=official_a, version=2)


@pytest.fixture
def returned_entry_a(progress_may, village_a, ruleset, official_a):
    return factories.enter(village_a, ruleset, "member_points_rate", progress_may, 92,
                           status="returned", entered_by=official_a, version=2)


COUNTY = ("reviewer_a", "admin_a")
ROWS = [
    # The town step was passed already: the application waits at the county.
    Handled("reviews:pass", "app_county", {"state": AppState.TOWN}, ("leader_a", "admin_a")),
    Handled("reviews:return", "app_approved",
            {"state": AppState.TOWN, "star_industry": "缺少凭证"},
            ("leader_a", "reviewer_a", "admin_a")),
    Handled("reviews:approve", "app_notice", decisions(AppState.COUNTY), COUNTY),
    Handled("reviews:reject", "app_approved", {"state": AppState.COUNTY, "reason": "不实"},
            COUNTY),
    Handled("reviews:award", "app_awarded", {}, COUNTY),
    Handled("reviews:resolve", "objection_resolved",
            {"status": "upheld", "resolution": "属实"}, COUNTY),
    Handled("reviews:revoke", "award_revoked", {"reason": "刑事案件"}, COUNTY),
    Handled("reviews:reinstate", "award_a", {"reason": "经查无关"}, COUNTY),
    Handled("reviews:resubmit", "app_town",
            {"state": AppState.RETURNED, "fix_star:industry": "已补充"},
            ("secretary_a", "official_a", "admin_a")),
    Handled("progress:verify", "verified_entry_a", {"version": "2"}, ("leader_a", "admin_a")),
    Handled("progress:return", "returned_entry_a", {"version": "2", "reason": "不准"},
            ("leader_a", "admin_a")),
]
CASES = [(row, user) for row in ROWS for user in row.forbidden]


@pytest.mark.parametrize(("row", "user"), CASES,
                         ids=[f"{row.name} by {user}" for row, user in CASES])
def test_a_user_who_may_not_act_gets_403_on_an_item_already_handled(client, row, user,
                                                                      request):
    item = request.getfixturevalue(row.item)
    client.force_login(request.getfixturevalue(user))
    response = client.post(reverse(row.name, kwargs={"pk": item.pk}), row.data)
    assert response.status_code == 403, response.status_code


@pytest.mark.parametrize("row", [r for r in ROWS if r.name.startswith("reviews:")
                                 and "state" in r.data], ids=lambda r: r.name)
def test_one_who_may_act_still_learns_that_it_was_handled(client, row, request):
    """The 409 page stays for the reviewer who was merely too late."""
    item = request.getfixturevalue(row.item)
    client.force_login(request.getfixturevalue(row.may_act[0]))
    response = client.post(reverse(row.name, kwargs={"pk": item.pk}), row.data)
    assert response.status_code == 409
