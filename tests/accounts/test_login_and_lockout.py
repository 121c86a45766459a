import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.factories import DEMO_PASSWORD
from wuxing.accounts.models import AuditEvent, AuditKind

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 31, 23, 50, tzinfo=dt.UTC)


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR="10.0.0.7")


def test_a_correct_login_reaches_the_start_page_and_is_audited(client, official_a):
    response = _login(client, official_a.username, DEMO_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert AuditEvent.objects.filter(kind=AuditKind.LOGIN, user=official_a).exists()


def test_a_wrong_password_is_refused_in_chinese(client, official_a):
    response = _login(client, official_a.username, "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_five_failures_lock_the_account_for_thirty_minutes(client, official_a):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            _login(client, official_a.username, "wrong-password")
        locked = _login(client, official_a.username, DEMO_PASSWORD)
        assert locked.status_code == 429
        assert "登录失败次数过多" in locked.content.decode()
        assert AuditEvent.objects.filter(kind=AuditKind.LOCKOUT).exists()

        clock.shift(dt.timedelta(minutes=29))
        assert _login(client, official_a.username, DEMO_PASSWORD).status_code == 429

        clock.shift(dt.timedelta(minutes=2))
        assert _login(client, official_a.username, DEMO_PASSWORD).status_code == 302


def test_four_failures_do_not_lock(client, official_a):
    for _ in range(4):
        _login(client, official_a.username, "wrong-password")
    assert _login(client, official_a.username, DEMO_PASSWORD).status_code == 302


def test_the_session_expires_after_thirty_idle_minutes(client, official_a):
    with time_machine.travel(START, tick=False) as clock:
        _login(client, official_a.username, DEMO_PASSWORD)
        assert client.get(reverse("villages:list")).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("villages:list")).status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        assert client.get(reverse("villages:list")).status_code == 302


def test_audit_events_cannot_be_changed(official_a):
    event = AuditEvent.record(AuditKind.EXPORT, user=official_a, target="x")
    event.target = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_the_idle_timeout_counts_from_the_last_request(client, official_a):
    with time_machine.travel(START, tick=False) as clock:
        _login(client, official_a.username, DEMO_PASSWORD)
        clock.shift(dt.timedelta(minutes=20))
        assert client.get(reverse("villages:list")).status_code == 200  # moves the expiry
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("villages:list")).status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        assert client.get(reverse("villages:list")).status_code == 302


def test_the_session_row_is_written_at_most_once_a_minute(client, official_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("villages:list")).status_code == 200
        return [q["sql"] for q in queries if "django_session" in q["sql"]
                and not q["sql"].lstrip().upper().startswith("SELECT")]

    with time_machine.travel(START, tick=False) as clock:
        _login(client, official_a.username, DEMO_PASSWORD)
        clock.shift(dt.timedelta(seconds=10))
        assert session_writes() == []
        clock.shift(dt.timedelta(seconds=61))
        assert len(session_writes()) == 1
        assert session_writes() == []


def test_anonymous_visitors_get_no_session_row(client):
    from django.contrib.sessions.models import Session
    assert client.get(reverse("login")).status_code == 200
    assert not Session.objects.exists()
