"""The verification page: what waits, verify and return per row and for a selection,
a stale version refuses the whole request (409), roles without the right get 403 and
other towns' entries 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring import todo
from scoring.progress.models import Entry, EntryStatus, Evidence
from tests import factories
from tests.todo.conftest import APRIL, MAY
from wuxing.accounts.models import User

pytestmark = pytest.mark.django_db
PAGE, ACT = reverse("progress:verification"), reverse("progress:verification_act")


def _versions(*entries) -> dict:
    return {f"version_{e.pk}": e.version for e in entries}


def _status(entry) -> str:
    return Entry.objects.get(pk=entry.pk).status


def test_the_page_lists_what_waits_with_value_last_month_and_evidence(
        scenario, client, leader_a, village_a, ruleset):
    first, second = scenario["waiting"]
    factories.enter(village_a, ruleset, "criminal_cases", APRIL, 2)
    Evidence.objects.create(entry=first, kind="photo", file="evidence/x.jpg",
                            thumbnail="evidence/x-thumb.jpg", original_name="现场.jpg")
    client.force_login(leader_a)
    html = client.get(PAGE).content.decode()
    assert f'id="entry-{first.pk}"' in html and f'id="entry-{second.pk}"' in html
    assert "乙村" not in html  # town B's submitted entry is not town A's leader's
    assert '<span class="previous-value">2' in html
    evidence = Evidence.objects.get()
    assert reverse("progress:evidence_thumbnail", args=[evidence.pk]) in html


def test_a_row_is_verified_and_the_to_do_goes_down(scenario, client, leader_a):
    first, _second = scenario["waiting"]
    before = todo.for_user(User.objects.get(pk=leader_a.pk)).section("verify").count
    client.force_login(leader_a)
    response = client.post(ACT, {"row": f"verify:{first.pk}", **_versions(first)})
    assert response.status_code == 302
    assert _status(first) == EntryStatus.VERIFIED
    after = todo.for_user(User.objects.get(pk=leader_a.pk)).section("verify").count
    assert after == before - 1


def test_a_row_is_returned_only_with_a_reason(scenario, client, leader_a):
    first, _second = scenario["waiting"]
    client.force_login(leader_a)
    client.post(ACT, {"row": f"return:{first.pk}", **_versions(first)})
    assert _status(first) == EntryStatus.SUBMITTED
    client.post(ACT, {"row": f"return:{first.pk}", f"reason_{first.pk}": "数字有误",
                      **_versions(first)})
    entry = Entry.objects.get(pk=first.pk)
    assert (entry.status, entry.return_reason) == (EntryStatus.RETURNED, "数字有误")


def test_a_selection_is_verified_or_returned_together(scenario, client, leader_a):
    first, second = scenario["waiting"]
    client.force_login(leader_a)
    client.post(ACT, {"action": "verify", "ids": [first.pk, second.pk],
                      **_versions(first, second)})
    assert {_status(first), _status(second)} == {EntryStatus.VERIFIED}
    third = factories.enter(scenario["a2"], first.indicator.ruleset, "casualty_accidents",
                            MAY, 0, status="submitted")
    fourth = factories.enter(scenario["a2"], first.indicator.ruleset, "legal_publicity",
                             MAY, 1, status="submitted")
    client.post(ACT, {"action": "return", "ids": [third.pk, fourth.pk], "reason": "补充材料",
                      **_versions(third, fourth)})
    assert {(e.status, e.return_reason) for e in Entry.objects.filter(
        pk__in=[third.pk, fourth.pk])} == {(EntryStatus.RETURNED, "补充材料")}


def test_a_stale_version_refuses_the_whole_selection_with_409(scenario, client, leader_a):
    first, second = scenario["waiting"]
    client.force_login(leader_a)
    versions = _versions(first, second)
    versions[f"version_{second.pk}"] = second.version - 1  # someone saved meanwhile
    response = client.post(ACT, {"action": "verify", "ids": [first.pk, second.pk],
                                 **versions})
    assert response.status_code == 409
    assert 'id="stale-error"' in response.content.decode()
    assert {_status(first), _status(second)} == {EntryStatus.SUBMITTED}


def test_roles_without_the_right_get_403_and_change_nothing(scenario, client, official_a,
                                                            observer_a):
    first, _second = scenario["waiting"]
    for user in (official_a, observer_a):
        client.force_login(user)
        response = client.post(ACT, {"row": f"verify:{first.pk}", **_versions(first)})
        assert response.status_code == 403
    assert _status(first) == EntryStatus.SUBMITTED


def test_another_towns_entry_is_404_even_in_a_selection(scenario, client, leader_a,
                                                        village_b):
    first, _second = scenario["waiting"]
    theirs = Entry.objects.get(village=village_b)
    client.force_login(leader_a)
    response = client.post(ACT, {"action": "verify", "ids": [first.pk, theirs.pk],
                                 **_versions(first, theirs)})
    assert response.status_code == 404
    assert {_status(first), _status(theirs)} == {EntryStatus.SUBMITTED}


def test_bad_input_is_refused_with_a_message(scenario, client, leader_a):
    first, _second = scenario["waiting"]
    client.force_login(leader_a)
    for data in ({"action": "verify"}, {"action": "approve", "ids": [first.pk]},
                 {"action": "verify", "ids": [first.pk], f"version_{first.pk}": "x"}):
        response = client.post(ACT, data, follow=True)
        assert response.status_code == 200
        assert list(response.context["messages"]), data
    assert _status(first) == EntryStatus.SUBMITTED


def test_a_group_leader_verifies_only_their_star(scenario, client, official_a):
    group = scenario["group"]
    group.leader = official_a
    group.save()
    first, _second = scenario["waiting"]  # safety entries: not the ecology group's
    ecology = factories.enter(scenario["a2"], first.indicator.ruleset, "road_hardening",
                              MAY, 10, status="submitted")
    client.force_login(official_a)
    html = client.get(PAGE).content.decode()
    assert f'id="entry-{ecology.pk}"' in html and f'id="entry-{first.pk}"' not in html
    assert client.post(ACT, {"row": f"verify:{first.pk}", **_versions(first)}
                       ).status_code == 403
    client.post(ACT, {"row": f"verify:{ecology.pk}", **_versions(ecology)})
    assert _status(ecology) == EntryStatus.VERIFIED


def test_the_page_query_count_does_not_grow_with_rows(scenario, client, leader_a, ruleset):
    client.force_login(leader_a)
    client.get(PAGE)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    few = count()
    town = leader_a.memberships.get().unit
    for n in range(8):
        village = factories.VillageFactory(town=town)
        entry = factories.enter(village, ruleset, "criminal_cases", MAY, n,
                                status="submitted")
        factories.enter(village, ruleset, "criminal_cases", APRIL, 0)
        Evidence.objects.create(entry=entry, kind="photo", file=f"evidence/{n}.jpg")
    assert count() == few
    assert few == 9
