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
