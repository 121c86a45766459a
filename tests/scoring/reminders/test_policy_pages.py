from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.reminders.models import ReminderPolicy
from tests import factories

pytestmark = pytest.mark.django_db

FORM = {"enabled": "on", "due_days_before": 2, "overdue_days_after": 1,
        "leader_days_after": 3, "town_leader_days_after": 6, "summary_days_after": 2,
        "review_waiting_days": 5, "send_entry_due": "on", "send_overdue": "on",
        "send_summary": "on",
        "use_email": "on"}


def url(town):
    return reverse("reminders:policy", args=[town.code])


def test_the_town_leader_changes_the_policy(client, leader_a, town_a):
    client.force_login(leader_a)
    response = client.post(url(town_a), FORM)
    assert response.status_code == 302
    policy = ReminderPolicy.objects.get(town=town_a)
    assert (policy.due_days_before, policy.use_wecom) == (2, False)
    assert policy.updated_by == leader_a


def test_a_town_official_sees_the_policy_but_may_not_change_it(client, official_a, town_a):
    client.force_login(official_a)
    page = client.get(url(town_a)).content.decode()
    assert "<fieldset disabled>" in page and "只有乡镇领导可以修改这些设置。" in page
    assert client.post(url(town_a), FORM).status_code == 403
    assert not ReminderPolicy.objects.exists()


def test_escalation_days_must_grow(client, leader_a, town_a):
    client.force_login(leader_a)
    response = client.post(url(town_a), {**FORM, "leader_days_after": 9})
    assert response.status_code == 200
    assert "逐级升级" in response.content.decode()
    assert not ReminderPolicy.objects.exists()


def test_a_day_out_of_range_is_refused(client, leader_a, town_a):
    client.force_login(leader_a)
    response = client.post(url(town_a), {**FORM, "due_days_before": 31})
    assert response.status_code == 200 and not ReminderPolicy.objects.exists()


def test_the_page_shows_the_next_send_dates(client, leader_a, town_a):
    client.force_login(leader_a)
    with time_machine.travel("2026-11-29 10:00 +0800"):
        page = client.get(url(town_a)).content.decode()
    assert "2026-11 月的进展，于 2026-12-02 发送" in page


def test_a_leader_of_one_town_is_sent_to_their_town(client, leader_a, town_a):
    client.force_login(leader_a)
    assert client.get(reverse("reminders:towns"))["Location"] == url(town_a)


def _queries(client, user) -> int:
    client.force_login(user)
    client.get(reverse("reminders:towns"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reminders:towns")).status_code == 200
    return len(queries)


def test_the_town_list_query_count_does_not_grow_with_towns(client):
    county = factories.CountyFactory()
    reviewer = factories.user_with_role("county_reviewer", unit=county)
    for _ in range(3):
        ReminderPolicy.objects.create(town=factories.TownFactory())
    few = _queries(client, reviewer)
    for _ in range(12):
        ReminderPolicy.objects.create(town=factories.TownFactory())
    factories.TownFactory.create_batch(5)
    assert _queries(client, reviewer) == few <= 10


def test_the_policy_page_query_count_does_not_grow_with_groups(client, leader_a, town_a,
                                                               star_groups):
    from wuxing.notifications.models import GroupRobot
    client.force_login(leader_a)
    client.get(url(town_a))
    with CaptureQueriesContext(connection) as first:
        client.get(url(town_a))
    for group in star_groups.values():
        GroupRobot.objects.create(group=group, kind="wecom",
                                  webhook_url="https://qyapi.weixin.qq.com/x?key=1")
    with CaptureQueriesContext(connection) as second:
        client.get(url(town_a))
    assert len(first) == len(second)


def test_the_policy_dates_follow_the_deadline():
    policy = ReminderPolicy()
    assert policy.deadline(date(2026, 12, 1)) == date(2027, 1, 5)
    assert policy.current_month("overdue", date(2027, 1, 5)) == date(2026, 11, 1)
    assert policy.current_month("overdue", date(2027, 1, 6)) == date(2026, 12, 1)
    assert policy.current_month("entry_due", date(2027, 1, 6)) is None


# --- the reporting period (deadline day, evidence limit) on the same page ----------------

def period_url(town):
    return reverse("reminders:period", args=[town.code])


PERIOD = {"period-deadline_day": 10, "period-evidence_limit": 30}


def test_the_town_leader_moves_the_reporting_deadline(client, leader_a, town_a, village_a):
    from scoring.progress import periods
    from scoring.progress.models import TownPeriodSetting
    from wuxing.accounts.models import AuditEvent
    client.force_login(leader_a)
    response = client.post(period_url(town_a), PERIOD, follow=True)
    assert "填报截止日已改为次月10日" in response.content.decode()
    setting = TownPeriodSetting.objects.get(town=town_a)
    assert (setting.deadline_day, setting.evidence_limit) == (10, 30)
    # November's entries now lock at the end of 10 December instead of 5 December.
    assert periods.deadline(town_a, date(2026, 11, 1)).date() == date(2026, 12, 11)
    event = AuditEvent.objects.get(kind="settings")
    assert event.user == leader_a and event.target == town_a.code
    assert event.detail["before"] == [5, 60] and event.detail["after"] == [10, 30]


def test_a_town_official_may_not_move_the_deadline(client, official_a, town_a):
    from scoring.progress.models import TownPeriodSetting
    client.force_login(official_a)
    page = client.get(url(town_a)).content.decode()
    assert "保存填报期限" not in page
    assert client.post(period_url(town_a), PERIOD).status_code == 403
    assert not TownPeriodSetting.objects.exists()


@pytest.mark.parametrize("field, value", [("period-deadline_day", 29),
                                          ("period-deadline_day", 0),
                                          ("period-evidence_limit", 0),
                                          ("period-deadline_day", "x")])
def test_a_deadline_or_limit_out_of_range_is_refused(client, leader_a, town_a, field, value):
    from scoring.progress.models import TownPeriodSetting
    from wuxing.accounts.models import AuditEvent
    client.force_login(leader_a)
    response = client.post(period_url(town_a), {**PERIOD, field: value})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not TownPeriodSetting.objects.exists()
    assert not AuditEvent.objects.filter(kind="settings").exists()


def test_another_towns_deadline_is_not_found(client, leader_a):
    from scoring.progress.models import TownPeriodSetting
    other = factories.TownFactory()
    client.force_login(leader_a)
    assert client.post(period_url(other), PERIOD).status_code == 404
    assert client.get(period_url(other)).status_code == 405  # a form target only
    assert not TownPeriodSetting.objects.exists()
