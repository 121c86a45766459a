"""The channels against a mocked robot endpoint on 127.0.0.1 and Django's test mailbox:
payloads, DingTalk signing, the per-robot rate limit, retries that never block email."""

import base64
import hashlib
import hmac
from datetime import date, timedelta
from urllib.parse import quote_plus

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from scoring.reminders.sources import Status
from scoring.stars import StarCode
from tests.reminders_fixtures import committed, mails_to, run_dispatch
from wuxing.notifications import delivery
from wuxing.notifications.channels import ROBOT_RATE, dingtalk_sign
from wuxing.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    GroupRobot,
    Message,
    Notification,
)

pytestmark = pytest.mark.django_db
SECRET = "SEC0123456789abcdef"


def test_dingtalk_signature_follows_the_documented_algorithm():
    # Reference value computed with: printf '1700000000000\nSEC…' | openssl dgst -sha256
    #   -hmac 'SEC…' -binary | base64
    assert dingtalk_sign(SECRET, 1700000000000) == quote_plus(
        "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk=")


@pytest.fixture
def overdue_industry(star_groups, missing, village_a):
    missing.set(star_groups[StarCode.INDUSTRY], [(village_a, Status.MISSING)])
    return star_groups[StarCode.INDUSTRY]


def robot(group, webhook, kind, **fields):
    url = webhook.dingtalk if kind == Channel.DINGTALK else webhook.wecom
    return GroupRobot.objects.create(group=group, kind=kind, webhook_url=url, **fields)


def test_dingtalk_messages_are_signed_and_sent_as_markdown(overdue_industry, webhook):
    robot(overdue_industry, webhook, Channel.DINGTALK, secret=SECRET)
    run_dispatch(date(2026, 12, 6))
    [request] = webhook.requests
    assert request["path"] == "/robot/send"
    timestamp = request["query"]["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert request["query"]["sign"] == [expected]  # parse_qs has URL-decoded it
    assert abs(int(timestamp) - int(timezone.now().timestamp() * 1000)) < 5000
    body = request["json"]
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"].startswith("【甲镇】")
    assert "甲村（未填报）" in body["markdown"]["text"]


def test_wecom_messages_are_markdown_with_the_portal_link(overdue_industry, webhook,
                                                          settings):
    settings.WUXING_SITE_URL = "https://wuxing.example.gov.cn"
    robot(overdue_industry, webhook, Channel.WECOM)
    run_dispatch(date(2026, 12, 6))
    [request] = webhook.requests
    assert request["query"] == {"key": ["k"]}
    content = request["json"]["markdown"]["content"]
    assert request["json"]["msgtype"] == "markdown"
    link = f"https://wuxing.example.gov.cn/progress/group/{overdue_industry.pk}/2026-11/"
    assert f"({link})" in content


def test_a_failing_robot_is_retried_with_backoff_and_never_blocks_email(
        overdue_industry, webhook, official_a):
    robot(overdue_industry, webhook, Channel.DINGTALK, secret=SECRET)
    webhook.answer(500, {}, times=2)  # two failures, then the default success
    run_dispatch(date(2026, 12, 6))
    assert len(mails_to("official@example.com")) == 1
    assert Notification.objects.filter(recipient=official_a).exists()
    row = Delivery.objects.get(channel=Channel.DINGTALK)
    assert row.status == DeliveryStatus.SENT and row.attempts == 3
    assert [a.ok for a in row.log.order_by("at", "id")] == [False, False, True]
    assert "500" in row.log.order_by("at", "id").first().detail


def test_a_robot_error_code_is_a_failure_and_after_five_tries_it_gives_up(
        overdue_industry, webhook):
    robot(overdue_industry, webhook, Channel.WECOM)
    webhook.answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"}, times=10)
    run_dispatch(date(2026, 12, 6))
    row = Delivery.objects.get(channel=Channel.WECOM)
    assert row.status == DeliveryStatus.GAVE_UP and row.attempts == delivery.MAX_ATTEMPTS
    assert "93000" in row.last_error
    assert len(mails_to("official@example.com")) == 1


def test_retries_wait_longer_each_time():
    waits = [delivery.backoff(n) for n in (1, 2, 3, 4)]
    assert 60 <= waits[0] <= 66 and 120 <= waits[1] <= 132 and waits[3] // 2 >= 240
    assert delivery.backoff(20) <= 3960


def test_failed_deliveries_are_queued_again_with_their_backoff(overdue_industry, webhook,
                                                               monkeypatch):
    from wuxing.notifications import tasks
    robot(overdue_industry, webhook, Channel.WECOM)
    webhook.answer(503, {}, times=1)
    calls, apply_async = [], tasks.deliver_deliveries.apply_async

    def record_retries(args=None, kwargs=None, countdown=None, **options):
        if countdown is None:
            return apply_async(args, kwargs, **options)
        calls.append((args, countdown))

    monkeypatch.setattr(tasks.deliver_deliveries, "apply_async", record_retries)
    run_dispatch(date(2026, 12, 6))
    row = Delivery.objects.get(channel=Channel.WECOM)
    assert row.status == DeliveryStatus.FAILED
    assert calls == [(([row.pk],), calls[0][1])] and 60 <= calls[0][1] <= 66


def test_a_robot_sends_at_most_twenty_messages_a_minute(overdue_industry, webhook):
    bot = robot(overdue_industry, webhook, Channel.WECOM)
    now = timezone.now()
    for n in range(ROBOT_RATE):
        message = Message.objects.create(kind="test", period="2026-11", topic=f"t{n}",
                                         subject="s")
        Delivery.objects.create(message=message, channel=Channel.WECOM, robot=bot,
                                recipient_key=f"robot:{bot.pk}", status=DeliveryStatus.SENT,
                                sent_at=now - timedelta(seconds=50 - n))
    run_dispatch(date(2026, 12, 6))
    row = Delivery.objects.get(channel=Channel.WECOM, message__kind="overdue")
    assert row.status == DeliveryStatus.PENDING and row.attempts == 0
    assert webhook.requests == []
    # eleven seconds later the oldest of the twenty has left the minute
    with time_machine.travel(now + timedelta(seconds=11)):
        report = delivery.deliver([row.pk])
    assert report.sent == [row.pk] and len(webhook.requests) == 1


def test_rate_limited_rows_wait_until_the_minute_is_over(overdue_industry, webhook):
    bot = robot(overdue_industry, webhook, Channel.WECOM)
    message = Message.objects.create(kind="test", period="2026-11", topic="t", subject="s")
    now = timezone.now()
    Delivery.objects.bulk_create([
        Delivery(message=message, channel=Channel.WECOM, robot=bot, recipient_key=f"r{n}",
                 status=DeliveryStatus.SENT, sent_at=now - timedelta(seconds=30))
        for n in range(ROBOT_RATE)])
    pending = Delivery.objects.create(message=message, channel=Channel.WECOM, robot=bot,
                                      recipient_key="robot:x")
    report = delivery.deliver([pending.pk])
    assert 30 <= report.deferred[pending.pk] <= 32
    assert report.retries() == {report.deferred[pending.pk]: [pending.pk]}


def test_the_robots_own_rate_limit_answer_defers_the_message(overdue_industry, webhook):
    robot(overdue_industry, webhook, Channel.DINGTALK, secret=SECRET)
    webhook.answer(200, {"errcode": 130101, "errmsg": "send too fast"})
    run_dispatch(date(2026, 12, 6))
    row = Delivery.objects.get(channel=Channel.DINGTALK)
    assert row.status == DeliveryStatus.PENDING and row.attempts == 0


def test_a_webhook_outside_the_allowed_hosts_is_refused(overdue_industry, settings):
    settings.WUXING_ROBOT_HOSTS = ["oapi.dingtalk.com"]
    bot = GroupRobot(group=overdue_industry, kind=Channel.DINGTALK,
                     webhook_url="https://169.254.169.254.nip.io/robot/send?access_token=t",
                     secret=SECRET)
    with pytest.raises(ValidationError, match="oapi.dingtalk.com"):
        bot.full_clean()
    bot.save()  # even if stored, it is never called
    run_dispatch(date(2026, 12, 6))
    row = Delivery.objects.get(channel=Channel.DINGTALK)
    assert row.status == DeliveryStatus.GAVE_UP and "oapi.dingtalk.com" in row.last_error


def test_a_disabled_robot_gets_nothing(overdue_industry, webhook):
    robot(overdue_industry, webhook, Channel.WECOM, enabled=False)
    run_dispatch(date(2026, 12, 6))
    assert not Delivery.objects.filter(channel=Channel.WECOM).exists()


def test_a_user_without_email_gets_the_in_app_notification_only(overdue_industry,
                                                                official_a):
    official_a.email = ""
    official_a.save()
    run_dispatch(date(2026, 12, 6))
    assert list(Delivery.objects.filter(user=official_a).values_list("channel", flat=True)
                ) == [Channel.IN_APP]


def test_a_delivered_row_is_not_sent_again_by_a_redelivered_task(overdue_industry,
                                                                 official_a):
    from wuxing.notifications.tasks import deliver_deliveries
    run_dispatch(date(2026, 12, 6))
    ids = list(Delivery.objects.values_list("pk", flat=True))
    with committed():
        deliver_deliveries.delay(ids)  # the broker redelivers the same task
        deliver_deliveries.delay(ids)
    assert Notification.objects.filter(recipient=official_a).count() == 1
    assert len(mails_to("official@example.com")) == 1


def test_the_admin_resends_a_delivery(overdue_industry, admin_client, official_a):
    run_dispatch(date(2026, 12, 6))
    row = Delivery.objects.get(channel=Channel.EMAIL, user=official_a)
    with committed():
        response = admin_client.post("/admin/notifications/delivery/",
                                     {"action": "resend", "_selected_action": [row.pk]})
    assert response.status_code == 302
    assert len(mails_to("official@example.com")) == 2
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.log.count() == 2


def test_the_admin_delivery_log_shows_the_attempts(overdue_industry, admin_client):
    run_dispatch(date(2026, 12, 6))
    row = Delivery.objects.get(channel=Channel.EMAIL, message__kind="overdue")
    page = admin_client.get(f"/admin/notifications/delivery/{row.pk}/change/")
    assert page.status_code == 200 and "mailed to official@example.com" in page.content.decode()
    assert admin_client.get("/admin/notifications/delivery/").status_code == 200


def test_stale_open_deliveries_are_picked_up_by_the_daily_task(overdue_industry,
                                                               official_a):
    from scoring.reminders.tasks import dispatch_reminders
    message = Message.objects.create(kind="test", period="2026-11", topic="t", subject="旧")
    row = Delivery.objects.create(message=message, channel=Channel.IN_APP, user=official_a,
                                  recipient_key=f"user:{official_a.pk}")
    Delivery.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    with committed():
        dispatch_reminders.delay("2026-12-01")
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert Notification.objects.filter(title="旧").exists()
