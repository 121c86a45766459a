"""Login locks per account and per address, the client address behind a proxy, unlocking
from the portal, and password messages in Chinese."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.urls import reverse

from tests.factories import DEMO_PASSWORD, UserFactory
from wuxing.accounts.models import AuditEvent, AuditKind

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 31, 23, 50, tzinfo=dt.UTC)


def _login(client, username, password, address="10.0.0.7", **headers):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address, **headers)


def _lock_account(client, user, address="10.0.0.7"):
    for _ in range(5):
        _login(client, user.username, "wrong-password", address)


# --- per account --------------------------------------------------------------------------

def test_a_locked_account_stays_locked_from_another_address(client, official_a):
    _lock_account(client, official_a, "10.0.0.7")
    response = _login(client, official_a.username, DEMO_PASSWORD, "10.9.9.9")
    assert response.status_code == 429
    assert "该账号已被锁定" in response.content.decode()
    assert 1700 < int(response["Retry-After"]) <= 1800


def test_failures_from_several_addresses_add_up_to_a_lock(client, official_a):
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"):
        _login(client, official_a.username, "wrong-password", address)
    assert _login(client, official_a.username, DEMO_PASSWORD, "10.0.0.6").status_code == 429


def test_a_locked_account_does_not_lock_other_accounts(client, official_a, official_b):
    _lock_account(client, official_a)
    assert _login(client, official_b.username, DEMO_PASSWORD, "10.0.0.7").status_code == 302


def test_locking_an_account_writes_one_audit_event(client, official_a):
    _lock_account(client, official_a)
    for _ in range(3):  # knocking on a locked account is no new lock
        _login(client, official_a.username, DEMO_PASSWORD)
    locks = AuditEvent.objects.filter(kind=AuditKind.LOCKOUT)
    assert [(e.username, e.ip_address) for e in locks] == [(official_a.username, "10.0.0.7")]


# --- per address (password spraying) ------------------------------------------------------

def test_spraying_many_accounts_from_one_address_is_refused(client, official_a):
    victims = UserFactory.create_batch(33)
    answers = [_login(client, victim.username, "Summer2026!", "203.0.113.9").status_code
               for victim in victims]
    assert answers[:20] == [200] * 20  # wrong password, shown on the form
    assert set(answers[20:]) == {429}
    # Refused even with the right password, so the address learns nothing more.
    refused = _login(client, official_a.username, DEMO_PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    assert "网络地址的登录失败次数过多" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    assert AuditEvent.objects.filter(kind=AuditKind.ADDRESS_LOCKOUT,
                                     target="203.0.113.9").count() == 1


def test_spraying_locks_no_account_and_no_other_address(client, official_a):
    for victim in UserFactory.create_batch(25):
        _login(client, victim.username, "Summer2026!", "203.0.113.9")
    assert _login(client, official_a.username, DEMO_PASSWORD, "198.51.100.4").status_code \
        == 302


def test_the_address_throttle_ends_after_its_window(client, official_a):
    with time_machine.travel(START, tick=False) as clock:
        for victim in UserFactory.create_batch(20):
            _login(client, victim.username, "wrong-password", "203.0.113.9")
        assert _login(client, official_a.username, DEMO_PASSWORD, "203.0.113.9") \
            .status_code == 429
        clock.shift(dt.timedelta(minutes=16))
        assert _login(client, official_a.username, DEMO_PASSWORD, "203.0.113.9") \
            .status_code == 302


def test_the_address_throttle_also_guards_the_admin_login(client, admin_user):
    for victim in UserFactory.create_batch(20):
        _login(client, victim.username, "wrong-password", "203.0.113.9")
    response = client.post(reverse("admin:login"),
                           {"username": admin_user.username, "password": "password"},
                           REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429


# --- the client address behind a proxy ----------------------------------------------------

def test_x_forwarded_for_is_ignored_by_default(client, official_a):
    # Without a trusted proxy, a client rotating the header is still one address.
    for n in range(20):
        _login(client, f"someone{n}", "wrong-password", "203.0.113.9",
               HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == \
        {"203.0.113.9"}
    assert _login(client, official_a.username, DEMO_PASSWORD, "203.0.113.9",
                  HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429
    assert AuditEvent.objects.filter(kind=AuditKind.LOGIN_FAILED).first().ip_address \
        == "203.0.113.9"


def test_behind_one_proxy_the_right_most_entry_is_the_client(client, official_a, settings):
    settings.WUXING_TRUSTED_PROXY_COUNT = 1
    # nginx (REMOTE_ADDR 127.0.0.1) appended the address it saw; the left part is forged.
    for n in range(20):
        _login(client, f"someone{n}", "wrong-password", "127.0.0.1",
               HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.9")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == \
        {"203.0.113.9"}
    assert _login(client, official_a.username, DEMO_PASSWORD, "127.0.0.1",
                  HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # Another client behind the same proxy is not the throttled address.
    assert _login(client, official_a.username, DEMO_PASSWORD, "127.0.0.1",
                  HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4").status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.LOGIN).get().ip_address \
        == "198.51.100.4"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    from django.test import RequestFactory

    from wuxing.accounts.client_ip import client_ip
    settings.WUXING_TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.2")
    assert client_ip(request) == "203.0.113.9"
    # A request that did not pass both proxies: the header is not trusted at all.
    short = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4",
                                 HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(short) == "198.51.100.4"


# --- unlocking from the portal ------------------------------------------------------------

def test_an_administrator_sees_and_lifts_an_account_lock(client, official_a, admin_user):
    _lock_account(client, official_a, "10.0.0.7")
    client.force_login(admin_user)
    page = client.get(reverse("accounts:locks"))
    assert page.status_code == 200
    assert official_a.username in page.content.decode()
    assert 'data-confirm="现在解除' in page.content.decode()

    response = client.post(reverse("accounts:unlock"),
                           {"kind": "account", "value": official_a.username},
                           REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302
    unlock = AuditEvent.objects.get(kind=AuditKind.UNLOCK)
    assert (unlock.user, unlock.target, unlock.detail["lock"]) == \
        (admin_user, official_a.username, "account")
    client.logout()
    assert _login(client, official_a.username, DEMO_PASSWORD, "10.9.9.9").status_code == 302


def test_an_administrator_lifts_an_address_throttle(client, official_a, admin_user):
    for victim in UserFactory.create_batch(20):
        _login(client, victim.username, "wrong-password", "203.0.113.9")
    client.force_login(admin_user)
    assert "203.0.113.9" in client.get(reverse("accounts:locks")).content.decode()
    client.post(reverse("accounts:unlock"), {"kind": "address", "value": "203.0.113.9"})
    assert AuditEvent.objects.filter(kind=AuditKind.UNLOCK, target="203.0.113.9").exists()
    client.logout()
    assert _login(client, official_a.username, DEMO_PASSWORD, "203.0.113.9").status_code \
        == 302


def test_unlocking_rejects_a_malformed_address_and_changes_nothing(client, official_a,
                                                                   admin_user):
    _lock_account(client, official_a)
    client.force_login(admin_user)
    response = client.post(reverse("accounts:unlock"), {"kind": "address", "value": "x"})
    assert response.status_code == 400
    assert "请选择要解除锁定的账号或地址" in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditKind.UNLOCK).exists()
    assert AccessAttempt.objects.exists()


def test_a_county_reviewer_may_not_unlock(client, official_a, reviewer_a):
    _lock_account(client, official_a)
    client.force_login(reviewer_a)
    assert client.get(reverse("accounts:locks")).status_code == 403
    response = client.post(reverse("accounts:unlock"),
                           {"kind": "account", "value": official_a.username})
    assert response.status_code == 403
    assert AccessAttempt.objects.exists()


# --- password messages in Chinese ---------------------------------------------------------

def _all_chinese(messages):
    import re
    english = [m for m in messages if re.search(r"[A-Za-z]{3,}", str(m))]
    assert not english, english


def test_every_password_validator_speaks_chinese(official_a):
    for password in ("12345", "1234567890123", "password", official_a.username + "xy1"):
        with pytest.raises(password_validation.ValidationError) as raised:
            password_validation.validate_password(password, official_a)
        _all_chinese(raised.value.messages)
    _all_chinese(password_validation.password_validators_help_texts())


def test_the_too_short_message_is_chinese(official_a):
    with pytest.raises(password_validation.ValidationError) as raised:
        password_validation.validate_password("Xq7#", official_a)
    assert raised.value.messages == ["密码太短，至少需要 10 个字符。"]


def test_password_change_and_reset_forms_speak_chinese(official_a):
    change = PasswordChangeForm(official_a, {"old_password": "nope", "new_password1": "a1",
                                             "new_password2": "a2"})
    reset = SetPasswordForm(official_a, {"new_password1": "short", "new_password2": "short"})
    assert not change.is_valid() and not reset.is_valid()
    _all_chinese([m for form in (change, reset) for errors in form.errors.values()
                  for m in errors])
    _all_chinese([str(f.help_text) for form in (change, reset) for f in form.fields.values()
                  if f.help_text])


def test_the_lock_page_query_count_does_not_grow_with_locks(client, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_with(accounts):
        for n, user in enumerate(accounts):
            _lock_account(client, user, f"10.0.{len(accounts)}.{n}")
        client.force_login(admin_user)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("accounts:locks")).content.decode()
        client.logout()
        assert all(user.username in page for user in accounts)
        return len(captured)

    one = queries_with(UserFactory.create_batch(1))
    assert queries_with(UserFactory.create_batch(8)) == one
