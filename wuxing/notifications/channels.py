"""The notifier interface: one class per channel, each sending one `Delivery`.

`send()` returns a short description of the response for the delivery log, raises
`RateLimited` when the recipient refuses more messages for now (the delivery waits, it
is not a failure) and any other exception for a failure (logged, retried with backoff).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import webhooks
from .models import Channel, Delivery, DeliveryStatus, GroupRobot, Notification

ROBOT_TIMEOUT = 10  # seconds; a robot call holds the delivery's row lock
ROBOT_RATE = 20  # messages per robot per minute (DingTalk and WeCom both allow 20)
WECOM_MAX_BYTES = 4096  # WeCom rejects markdown content longer than this


class RateLimited(Exception):  # noqa: N818 (a condition, not an error)
    def __init__(self, retry_after: int):
        super().__init__(f"rate limited, retry in {retry_after}s")
        self.retry_after = retry_after


class ChannelError(Exception):
    """The channel answered with an error."""


def render(template: str, delivery_or_message) -> str:
    message = getattr(delivery_or_message, "message", delivery_or_message)
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, {"message": message,
                                           "site_url": settings.WUXING_SITE_URL})


class BaseChannel:
    code: str

    def send(self, delivery: Delivery) -> str:
        raise NotImplementedError

    def send_many(self, deliveries: list[Delivery]) -> None:
        """Optional bulk path; the default delivery loop calls `send()` one by one."""
        raise NotImplementedError


class InAppChannel(BaseChannel):
    """The notification centre. Written in the same transaction as the claim's status,
    so an in-app notification exists exactly once."""

    code = Channel.IN_APP

    @staticmethod
    def notification(delivery: Delivery) -> Notification:
        message = delivery.message
        return Notification(recipient_id=delivery.user_id, message=message,
                            title=message.subject, body=message.as_text(), url=message.url)

    def send(self, delivery: Delivery) -> str:
        self.notification(delivery).save()
        return "notification created"

    def send_many(self, deliveries: list[Delivery]) -> None:
        Notification.objects.bulk_create([self.notification(d) for d in deliveries])


class EmailChannel(BaseChannel):
    code = Channel.EMAIL

    def send(self, delivery: Delivery) -> str:
        address = delivery.user.email
        if not address:
            raise ChannelError("the user has no email address")
        mail = EmailMultiAlternatives(
            subject=delivery.message.subject, body=render("notifications/email.txt", delivery),
            from_email=settings.DEFAULT_FROM_EMAIL, to=[address])
        mail.attach_alternative(render("notifications/email.html", delivery), "text/html")
        mail.send(fail_silently=False)
        return f"mailed to {address}"


class RobotChannel(BaseChannel):
    """A group robot webhook, at most ROBOT_RATE messages a minute per robot.

    The robot's row is locked while counting and sending, so that several workers
    together keep to the limit."""

    def extra_query(self, robot: GroupRobot) -> str:
        """Query parameters the channel adds to the stored webhook when calling it."""
        return ""

    def payload(self, delivery: Delivery) -> dict:
        raise NotImplementedError

    def check_answer(self, answer: dict) -> None:
        code = answer.get("errcode", 0)
        if code in self.rate_codes:
            raise RateLimited(60)
        if code != 0:
            raise ChannelError(f"errcode {code}: {answer.get('errmsg', '')}")

    rate_codes: tuple[int, ...] = ()

    def send(self, delivery: Delivery) -> str:
        robot = GroupRobot.objects.select_for_update().get(pk=delivery.robot_id)
        if not robot.enabled:
            raise ChannelError("the robot is disabled")
        now = timezone.now()
        window = now - timedelta(seconds=60)
        recent = list(Delivery.objects.filter(robot=robot, sent_at__gt=window,
                                              status=DeliveryStatus.SENT)
                      .order_by("sent_at").values_list("sent_at", flat=True)[:ROBOT_RATE])
        if len(recent) >= ROBOT_RATE:
            raise RateLimited(max(1, int((recent[0] - window).total_seconds()) + 1))
        # Checks the stored webhook again and calls only its host's public address.
        response = webhooks.post(robot.webhook_url, robot.kind, self.payload(delivery),
                                 extra_query=self.extra_query(robot), timeout=ROBOT_TIMEOUT)
        response.raise_for_status()
        try:
            answer = response.json()
        except ValueError:
            raise ChannelError(f"not JSON: {response.text[:200]}") from None
        self.check_answer(answer)
        return f"HTTP {response.status_code} {answer}"[:500]


class WeComChannel(RobotChannel):
    """企业微信群机器人: POST {"msgtype": "markdown", "markdown": {"content": ...}}."""

    code = Channel.WECOM
    rate_codes = (45009,)

    def payload(self, delivery: Delivery) -> dict:
        content = render("notifications/robot.md", delivery).strip()
        encoded = content.encode()
        if len(encoded) > WECOM_MAX_BYTES:
            content = encoded[: WECOM_MAX_BYTES - 8].decode(errors="ignore") + "\n……"
        return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, Base64,
    then URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, digestmod=hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


class DingTalkChannel(RobotChannel):
    """钉钉群机器人: markdown message; with a secret, the URL carries timestamp and sign."""

    code = Channel.DINGTALK
    rate_codes = (130101,)

    def extra_query(self, robot: GroupRobot) -> str:
        if not robot.secret:
            return ""
        timestamp = int(time.time() * 1000)
        return f"timestamp={timestamp}&sign={dingtalk_sign(robot.secret, timestamp)}"

    def payload(self, delivery: Delivery) -> dict:
        return {"msgtype": "markdown",
                "markdown": {"title": delivery.message.subject,
                             "text": render("notifications/robot.md", delivery).strip()}}


CHANNELS: dict[str, BaseChannel] = {c.code: c for c in (
    InAppChannel(), EmailChannel(), WeComChannel(), DingTalkChannel())}
