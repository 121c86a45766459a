"""County reviewers set their county's targets for a cycle's year."""

import pytest
from django.urls import reverse

from scoring.dashboards.models import CountyTarget
from wuxing.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

TARGETS = {"min_level_all": 3, "share_four_plus": 40, "share_five": 10}


def url(cycle):
    return reverse("reviews:cycle_target", args=[cycle.pk])


def test_the_county_reviewer_sets_the_targets_and_the_cycle_shows_them(
        client, reviewer_a, cycle_a):
    client.force_login(reviewer_a)
    response = client.post(url(cycle_a), TARGETS, follow=True)
    target = CountyTarget.objects.get(county=cycle_a.county, year=cycle_a.year)
    assert (target.min_level_all, target.share_four_plus, target.share_five) == (3, 40, 10)
    page = response.content.decode()
    assert "所有村至少 3 星；四星及以上占 40%；五星占 10%" in page
    event = AuditEvent.objects.get(kind="settings")
    assert event.detail["setting"] == "county_target"
    assert event.detail["values"] == TARGETS and event.user == reviewer_a
    # Saving again changes the same row.
    client.post(url(cycle_a), {**TARGETS, "share_four_plus": 50})
    assert CountyTarget.objects.get().share_four_plus == 50


@pytest.mark.parametrize("data", [
    {**TARGETS, "share_five": 50},  # more five-star villages than four-star ones
    {**TARGETS, "share_four_plus": 101},
    {**TARGETS, "min_level_all": 6},
    {**TARGETS, "min_level_all": ""},
])
def test_impossible_targets_are_refused_and_nothing_is_saved(client, reviewer_a, cycle_a,
                                                              data):
    client.force_login(reviewer_a)
    response = client.post(url(cycle_a), data)
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert not CountyTarget.objects.exists()
    assert not AuditEvent.objects.filter(kind="settings").exists()


def test_a_town_leader_sees_the_targets_but_may_not_set_them(client, leader_a, cycle_a):
    client.force_login(leader_a)
    assert url(cycle_a) not in client.get(
        reverse("reviews:cycle", args=[cycle_a.pk])).content.decode()
    assert client.get(url(cycle_a)).status_code == 403
    assert client.post(url(cycle_a), TARGETS).status_code == 403
    assert not CountyTarget.objects.exists()


def test_a_reviewer_of_another_county_gets_404(client, cycle_a):
    from tests import factories
    other_county = factories.CountyFactory(code="410922000000", name="清丰县")
    stranger = factories.user_with_role("county_reviewer", unit=other_county)
    client.force_login(stranger)
    assert client.get(url(cycle_a)).status_code == 404
    assert client.post(url(cycle_a), TARGETS).status_code == 404
    assert not CountyTarget.objects.exists()
