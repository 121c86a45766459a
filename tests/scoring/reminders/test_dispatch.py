"""Who gets what on which day, with the default policy: entries of a month are due on
the 5th of the next month; entries-due reminder 3 days before, overdue 1 day after,
group leader 3 days after, town leader 7 days after, monthly summary 2 days after."""

from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from scoring.reminders.kinds import ReminderKind
from scoring.reminders.models import ReminderPolicy
from scoring.reminders.sources import Status
from scoring.stars import StarCode
from tests import factories
from tests.reminders_fixtures import committed, mails_to, run_dispatch
from wuxing.notifications.models import Channel, Delivery, DeliveryStatus, Notification

pytestmark = pytest.mark.django_db


def sent(kind=None):
    """Deliveries sent; the monthly summary (always sent) only when asked for."""
    rows = Delivery.objects.filter(status=DeliveryStatus.SENT)
    if kind:
        rows = rows.filter(message__kind=kind)
    else:
        rows = rows.exclude(message__kind=ReminderKind.MONTHLY_SUMMARY)
    return sorted((d.message.kind, d.message.period, d.recipient_key, d.channel)
                  for d in rows.select_related("message"))


def test_the_group_gets_the_entries_due_reminder_three_days_before_the_deadline(
        star_groups, missing, village_a, official_a, leader_a):
    industry = star_groups[StarCode.INDUSTRY]
    missing.set(industry, [(village_a, Status.MISSING)])
    with time_machine.travel("2026-12-01 09:00 +0800"):
        run_dispatch(date(2026, 12, 1))
    assert sent() == []
    with time_machine.travel("2026-12-02 09:00 +0800"):
        run_dispatch(date(2026, 12, 2))
    assert sent() == [("entry_due", "2026-11", f"user:{official_a.pk}", "email"),
                      ("entry_due", "2026-11", f"user:{official_a.pk}", "in_app")]
    notification = Notification.objects.get(recipient=official_a)
    assert "甲村" in notification.body and "12月5日" in notification.body
    [email] = mails_to("official@example.com")
    assert "甲村（未填报）" in email.body
    html = email.alternatives[0][0]
    assert "<li>甲村（未填报）</li>" in html


def test_nothing_is_sent_to_a_group_with_nothing_missing(star_groups, missing, official_a):
    run_dispatch(date(2026, 12, 2))
    run_dispatch(date(2026, 12, 6))
    assert sent(ReminderKind.ENTRY_DUE) == [] and sent(ReminderKind.OVERDUE) == []
    assert not Notification.objects.filter(recipient=official_a).exists()


def test_returned_entries_are_listed_as_returned(star_groups, missing, village_a, town_a,
                                                 official_a):
    other = factories.VillageFactory(town=town_a, name="乙庄村")
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.RETURNED),
                                                 (other, Status.MISSING)])
    run_dispatch(date(2026, 12, 2))
    body = Notification.objects.get(recipient=official_a).body
    assert "甲村（被退回）" in body and "乙庄村（未填报）" in body


def test_overdue_goes_to_the_group_then_the_group_leader_then_the_town_leader(
        star_groups, missing, village_a, official_a, leader_a):
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    run_dispatch(date(2026, 12, 6))
    assert [k for k, *_ in sent()] == ["overdue", "overdue"]
    run_dispatch(date(2026, 12, 7))  # the monthly summary day
    run_dispatch(date(2026, 12, 8))
    assert sent(ReminderKind.OVERDUE_LEADER) == [
        ("overdue_leader", "2026-11", f"user:{leader_a.pk}", "email"),
        ("overdue_leader", "2026-11", f"user:{leader_a.pk}", "in_app")]
    assert sent(ReminderKind.OVERDUE_TOWN) == []
    run_dispatch(date(2026, 12, 12))
    assert sent(ReminderKind.OVERDUE_TOWN) == [
        ("overdue_town", "2026-11", f"user:{leader_a.pk}", "email"),
        ("overdue_town", "2026-11", f"user:{leader_a.pk}", "in_app")]
    # the group itself is not told again
    assert len(sent(ReminderKind.OVERDUE)) == 2


def test_the_town_leader_gets_the_monthly_summary_with_completeness_and_top_gaps(
        star_groups, missing, village_a, town_a, leader_a):
    other = factories.VillageFactory(town=town_a, name="乙庄村")
    for group in star_groups.values():
        group.villages.add(other)
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    missing.set(star_groups[StarCode.SAFETY], [(village_a, Status.RETURNED),
                                               (other, Status.MISSING)])
    run_dispatch(date(2026, 12, 7))
    summary = Notification.objects.get(recipient=leader_a, message__kind="monthly_summary",
                                       message__period="2026-11")
    assert summary.title == "【甲镇】2026年11月月度汇总"
    assert "产业兴旺星：2个村中1个已完成（50%），未填报1个，被退回0个" in summary.body
    assert "平安法治星：2个村中0个已完成（0%），未填报1个，被退回1个" in summary.body
    assert "甲村：2颗星未完成（产业兴旺星、平安法治星）" in summary.body


def test_the_summary_is_sent_even_when_nothing_is_missing(star_groups, missing, leader_a):
    run_dispatch(date(2026, 12, 7))
    summary = Notification.objects.get(recipient=leader_a, message__period="2026-11")
    assert "无：所有村均已完成。" in summary.body


def test_running_the_dispatcher_twice_sends_each_message_once(star_groups, missing,
                                                              village_a):
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    first = run_dispatch(date(2026, 12, 6))
    second = run_dispatch(date(2026, 12, 6))
    third = run_dispatch(date(2026, 12, 6))
    assert len(first.new_ids) == 4  # overdue to official A, October's summary to leader A
    assert second.new_ids == third.new_ids == []
    assert Notification.objects.filter(recipient__email="official@example.com").count() == 1
    assert len(mails_to("official@example.com")) == 1


def test_a_missed_day_is_caught_up_the_next_day(star_groups, missing, village_a,
                                                official_a):
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    # the scheduler did not run on the 2nd, the entries-due day
    run_dispatch(date(2026, 12, 3))
    assert sent(ReminderKind.ENTRY_DUE) == [
        ("entry_due", "2026-11", f"user:{official_a.pk}", "email"),
        ("entry_due", "2026-11", f"user:{official_a.pk}", "in_app")]


def test_an_entries_due_reminder_is_not_sent_after_its_deadline(star_groups, missing,
                                                                village_a):
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    run_dispatch(date(2026, 12, 6))
    assert sent(ReminderKind.ENTRY_DUE) == []


def test_a_new_member_gets_the_current_reminder_on_the_next_run(star_groups, missing,
                                                                village_a, town_a):
    industry = star_groups[StarCode.INDUSTRY]
    missing.set(industry, [(village_a, Status.MISSING)])
    run_dispatch(date(2026, 12, 6))
    newcomer = factories.user_with_role("town_official", unit=town_a)
    industry.members.add(newcomer)
    result = run_dispatch(date(2026, 12, 7))
    assert {(o.kind, o.recipient) for o in result.outgoing if o.kind == "overdue"} == {
        ("overdue", str(newcomer))}


def test_a_town_policy_moves_the_days_and_channels(star_groups, missing, village_a,
                                                   town_a, official_a, webhook):
    from scoring.progress.models import TownPeriodSetting
    TownPeriodSetting.objects.create(town=town_a, deadline_day=10)
    ReminderPolicy.objects.create(town=town_a, due_days_before=5, use_email=False)
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    run_dispatch(date(2026, 12, 4))
    assert sent() == []
    run_dispatch(date(2026, 12, 5))
    assert sent() == [("entry_due", "2026-11", f"user:{official_a.pk}", "in_app")]


def test_a_town_with_reminders_off_gets_nothing(star_groups, missing, village_a, town_a):
    ReminderPolicy.objects.create(town=town_a, enabled=False)
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    for day in (2, 6, 7, 8, 12):
        run_dispatch(date(2026, 12, day))
    assert Delivery.objects.count() == 0


def test_last_months_summary_stays_due_until_this_months(star_groups, missing, leader_a):
    run_dispatch(date(2026, 12, 6))
    run_dispatch(date(2026, 12, 7))
    assert [p for _k, p, *_ in sent(ReminderKind.MONTHLY_SUMMARY)] == [
        "2026-10", "2026-10", "2026-11", "2026-11"]


def test_the_source_is_asked_once_per_month_for_all_towns(star_groups, missing, town_b):
    run_dispatch(date(2026, 12, 6))
    # November's overdue reminders and October's summary (due until December 7th)
    assert sorted(missing.calls) == [(None, date(2026, 10, 1)), (None, date(2026, 11, 1))]


def test_the_group_robots_get_the_group_reminders(star_groups, missing, village_a, webhook):
    from wuxing.notifications.models import GroupRobot
    industry = star_groups[StarCode.INDUSTRY]
    GroupRobot.objects.create(group=industry, kind=Channel.WECOM,
                              webhook_url=webhook.wecom)
    missing.set(industry, [(village_a, Status.MISSING)])
    run_dispatch(date(2026, 12, 6))
    run_dispatch(date(2026, 12, 8))  # leader escalation: personal, not to the group chat
    assert len(webhook.requests) == 1
    content = webhook.requests[0]["json"]["markdown"]["content"]
    assert "甲村（未填报）" in content and content.startswith("### 【甲镇】")


# --- the command --------------------------------------------------------------------------

def test_the_command_prints_one_line_per_message_and_a_count(star_groups, missing,
                                                             village_a, capsys):
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    call_command("send_reminders", "--date", "2026-12-06", "--dry-run")
    out = capsys.readouterr().out.strip().splitlines()
    # the overdue reminder of November to official A, and October's monthly summary to
    # leader A (it stays due until November's is), each in-app and by email
    assert out[-1] == "将发送 4 条消息。"
    assert out[0].startswith("2026-10 月度汇总 · 【甲镇】2026年10月月度汇总 → ")
    assert out[2].startswith("2026-11 进展逾期 · 【甲镇】")
    assert Delivery.objects.count() == 0  # a dry run changes nothing
    with committed():
        call_command("send_reminders", "--date", "2026-12-06")
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "已发送 4 条消息，0 条待重试。"
    assert Notification.objects.count() == 2
    call_command("send_reminders", "--date", "2026-12-06", "--dry-run")
    assert capsys.readouterr().out.strip() == "将发送 0 条消息。"


def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "6 Dec")


def test_the_daily_task_uses_todays_date_in_china(star_groups, missing, village_a):
    from scoring.reminders.tasks import dispatch_reminders
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    # 2026-12-05 17:00 UTC is already the 6th in Asia/Shanghai
    with time_machine.travel("2026-12-05 17:00 +0000", tick=False), committed():
        assert dispatch_reminders.delay().get()["date"] == "2026-12-06"
    assert [k for k, *_ in sent()] == ["overdue", "overdue"]


def test_without_a_rule_set_in_force_nothing_is_due(star_groups, village_a):
    from scoring.reminders import sources
    assert sources.missing_by_group([village_a.town_id], date(2026, 11, 1)) == {}
