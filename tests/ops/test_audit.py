"""The audit log in the portal: administrators see everything, county reviewers their
county's events only (by the event's place), others 403; filters, pagination, a pinned
query count, a neutralised CSV export, and a retention purge that keeps 180 days."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from wuxing.accounts.models import AuditEvent, AuditKind
from wuxing.ops import retention

pytestmark = pytest.mark.django_db
PAGE = reverse("ops:audit")
EXPORT = reverse("ops:audit_export")


@pytest.fixture
def other_county(db):
    return factories.CountyFactory(code="410922000000", name="清丰县")


@pytest.fixture
def events(village_a, town_a, other_county, official_a):
    other_town = factories.TownFactory(parent=other_county, code="410922101000")
    other_village = factories.VillageFactory(town=other_town)
    mine = AuditEvent.record(AuditKind.APPROVAL, user=official_a, target=village_a,
                             action="verify")
    theirs = AuditEvent.record(AuditKind.EXPORT, username="someone",
                               target=f"bulletin {other_village.code} 2026Q3")
    nowhere = AuditEvent.record(AuditKind.LOGIN_FAILED, username="guess")
    return {"mine": mine, "theirs": theirs, "nowhere": nowhere, "there": other_village}


def _targets(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_events_carry_the_place_they_belong_to(events, village_a, official_a, town_a):
    assert events["mine"].place == village_a.code
    assert events["theirs"].place == events["there"].code  # named in the target text
    assert events["nowhere"].place == ""
    login = AuditEvent.record(AuditKind.LOGIN, user=official_a)
    assert login.place == town_a.prefix  # the user's only scope


def test_a_county_reviewer_sees_their_countys_events_only(client, reviewer_a, events):
    client.force_login(reviewer_a)
    page = _targets(client.get(PAGE))
    assert events["mine"].target in page
    assert "bulletin 410922" not in page
    assert "guess" not in page


def test_an_administrator_sees_every_event(client, admin_user, events):
    client.force_login(admin_user)
    page = _targets(client.get(PAGE))
    assert events["mine"].target in page and "bulletin 410922" in page and "guess" in page


@pytest.mark.parametrize("fixture", ["official_a", "leader_a", "observer_a", "secretary_a"])
def test_other_roles_get_403(client, request, fixture, events):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_filters_by_kind_user_and_dates(client, admin_user, events):
    client.force_login(admin_user)
    assert "guess" not in _targets(client.get(PAGE, {"kind": AuditKind.APPROVAL}))
    by_user = _targets(client.get(PAGE, {"user": "someone"}))
    assert "bulletin 410922" in by_user and "guess" not in by_user
    today = timezone.localdate()
    assert "guess" in _targets(client.get(PAGE, {"since": today, "until": today}))
    assert "guess" not in _targets(client.get(PAGE, {"until": today - timedelta(days=1)}))


def test_bad_filters_are_refused_with_a_message_and_400(client, admin_user, events):
    client.force_login(admin_user)
    assert client.get(PAGE, {"since": "2026-13-40"}).status_code == 400
    response = client.get(PAGE, {"since": "2026-11-02", "until": "2026-11-01"})
    assert response.status_code == 400
    assert "结束日期早于开始日期" in response.content.decode()
    assert client.get(EXPORT, {"kind": "nonsense"}).status_code == 400


def test_the_page_is_paginated_with_a_constant_query_count(client, admin_user, reviewer_a):
    def count(user, rows):
        AuditEvent.objects.all().delete()
        AuditEvent.objects.bulk_create(
            [AuditEvent(kind=AuditKind.LOGIN, username=f"u{i}", place="410902101000")
             for i in range(rows)])
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGE, {"page": 2} if rows > 50 else {})
        assert response.status_code == 200
        return len(queries)
    assert count(reviewer_a, 3) == count(reviewer_a, 120)
    assert count(reviewer_a, 120) <= 7
    assert "u69" in client.get(PAGE, {"page": 2}).content.decode()  # rows 51-100, newest first


def test_the_export_is_neutralised_scoped_and_audited(client, reviewer_a, village_a, events):
    AuditEvent.record(AuditKind.SETTINGS, target=f'=HYPERLINK("http://x") {village_a.code}')
    client.force_login(reviewer_a)
    response = client.get(EXPORT)
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert '"\'=HYPERLINK(""http://x"")' in text
    assert "bulletin 410922" not in text and "guess" not in text
    assert events["mine"].target in text
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, user=reviewer_a).exists()


def test_the_purge_deletes_only_events_past_the_retention(settings):
    now = timezone.now()
    AuditEvent.objects.bulk_create([
        AuditEvent(kind=AuditKind.LOGIN, username=name) for name in ("old", "kept", "new")])
    ages = {"old": 181, "kept": 179, "new": 0}
    for name, days in ages.items():
        AuditEvent.objects.filter(username=name).update(created_at=now - timedelta(days=days))
    settings.WUXING_AUDIT_RETENTION_DAYS = 30  # below the floor: 180 days still hold
    call_command("purge_audit_events")
    assert set(AuditEvent.objects.values_list("username", flat=True)) == {"kept", "new"}
    assert retention.retention_days() == 180
    settings.WUXING_AUDIT_RETENTION_DAYS = 365
    assert retention.purge_audit_events(now + timedelta(days=365)) == 1  # "kept" too old now


def test_events_recorded_before_places_existed_get_theirs(official_a, town_a, village_a):
    from importlib import import_module

    from django.apps import apps
    fill = import_module("wuxing.accounts.migrations.0006_fill_audit_event_place").fill_places
    AuditEvent.objects.bulk_create([
        AuditEvent(kind=AuditKind.PERMISSION, username="x", detail={"scope": "410902101"}),
        AuditEvent(kind=AuditKind.REOPEN, username="y", target=f"{village_a.code} 2026-05"),
        AuditEvent(kind=AuditKind.LOGIN, user=official_a, username="z"),
        AuditEvent(kind=AuditKind.LOGIN_FAILED, username="guess")])
    fill(apps, None)
    names = ["x", "y", "z", "guess"]
    assert dict(AuditEvent.objects.filter(username__in=names)
                .values_list("username", "place")) == {
        "x": "410902101", "y": village_a.code, "z": town_a.prefix, "guess": ""}
