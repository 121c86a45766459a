"""Messages, their deliveries over each channel, the in-app notification centre and the
group robots (WeCom, DingTalk).

A `Message` is one reminder about one topic (kind, period, topic: e.g. the overdue
entries of one working group for 2026-11). A `Delivery` is the claim row of that message
for one recipient over one channel: its unique key (message, recipient, channel), i.e.
(kind, period, topic, recipient, channel), makes sending idempotent. Each try is logged
as a `DeliveryAttempt`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuxing.accounts.access import ScopedQuerySet

from . import webhooks


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In-app notification")
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK)


class OwnQuerySet(models.QuerySet):
    """Rows that belong to one user: the single access path is the owner itself."""

    owner_field = "recipient"

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(**{self.owner_field: user})

    def fetch_for(self, user, **lookup):
        try:
            return self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404(gettext("Not found, or outside your jurisdiction.")) from None


class Message(models.Model):
    kind = models.CharField(_("kind"), max_length=30)
    period = models.CharField(_("period"), max_length=7, help_text=_("Month, YYYY-MM."))
    topic = models.CharField(_("topic"), max_length=40,
                             help_text=_("What the message is about, e.g. group:12."))
    town = models.ForeignKey("villages.AdminUnit", on_delete=models.CASCADE, null=True,
                             blank=True, related_name="+", verbose_name=_("town"))
    subject = models.CharField(_("subject"), max_length=200)
    # Rendered by the channel templates: {"intro", "sections": [{"heading", "rows",
    # "more"}], "outro"}. Strings are already in the portal's language.
    context = models.JSONField(_("content"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "period", "topic"],
                                               name="one_message_per_kind_period_topic")]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.subject

    @property
    def absolute_url(self) -> str:
        if not self.url:
            return settings.WUXING_SITE_URL
        return settings.WUXING_SITE_URL.rstrip("/") + self.url

    def as_text(self) -> str:
        """Plain text of the message, for the notification centre."""
        from django.template.loader import render_to_string
        return render_to_string("notifications/message.txt", {"message": self}).strip()


def _valid(url: str) -> bool:
    try:
        webhooks.validate_webhook(url)
    except ValidationError:
        return False  # already reported by the field's validator
    return True


class GroupRobotQuerySet(ScopedQuerySet):
    scope_field = "group__town__code"


class GroupRobot(models.Model):
    """A WeCom or DingTalk group robot of one working group (its group chat)."""

    group = models.ForeignKey("villages.WorkingGroup", on_delete=models.CASCADE,
                              related_name="robots", verbose_name=_("working group"))
    kind = models.CharField(_("kind"), max_length=10,
                            choices=[(c.value, c.label) for c in ROBOT_CHANNELS])
    # Checked and normalised by webhooks.py (a plain CharField: Django's URLValidator
    # would only add a second, vaguer message for the same address).
    webhook_url = models.CharField(_("webhook URL"), max_length=500,
                                   validators=[webhooks.validate_webhook])
    secret = models.CharField(_("signing secret"), max_length=200, blank=True,
                              help_text=_("DingTalk only: the SEC… secret of 加签."))
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = GroupRobotQuerySet.as_manager()

    class Meta:
        ordering = ["group", "kind"]
        constraints = [models.UniqueConstraint(fields=["group", "kind"],
                                               name="one_robot_per_group_and_kind")]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return f"{self.group} · {self.get_kind_display()}"

    @property
    def division_code(self) -> str:
        return self.group.town.code

    @property
    def masked_url(self) -> str:
        """The webhook without its query: WeCom's key= is as good as a password."""
        parts = urlsplit(self.webhook_url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")

    def clean(self) -> None:
        # The field's validator has checked what holds for any robot; here the path of
        # this robot's kind, and the one normal form that is stored and called.
        if self.webhook_url and _valid(self.webhook_url):
            try:
                self.webhook_url = webhooks.normalise(self.webhook_url, self.kind or None)
            except ValidationError as error:
                raise ValidationError({"webhook_url": error.error_list}) from None
        if self.kind == Channel.DINGTALK and self.secret and not self.secret.startswith("SEC"):
            raise ValidationError({"secret": gettext(
                "A DingTalk signing secret starts with SEC.")})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Failed, gave up")
    SKIPPED = "skipped", _("Skipped")


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class DeliveryQuerySet(OwnQuerySet):
    owner_field = "user"

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def for_history(self):
        return self.select_related("message").order_by("-created_at", "-id")


class Delivery(models.Model):
    """The claim row: one message to one recipient over one channel, at most once."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries",
                                verbose_name=_("message"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # "user:<id>" or "robot:<id>": part of the unique key whatever the recipient is.
    recipient_key = models.CharField(_("recipient"), max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="deliveries", verbose_name=_("user"))
    robot = models.ForeignKey(GroupRobot, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="deliveries", verbose_name=_("group robot"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The dispatcher run that claimed the row: tells the rows it created from existing ones.
    batch = models.UUIDField(_("batch"), null=True, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["message", "recipient_key", "channel"],
            name="one_delivery_per_message_recipient_channel")]
        indexes = [
            models.Index(fields=["robot", "sent_at"], name="delivery_robot_sent"),
            models.Index(fields=["user", "created_at"], name="delivery_user_created"),
            models.Index(fields=["status", "updated_at"], name="delivery_status_updated"),
        ]
        verbose_name = _("delivery")
        verbose_name_plural = _("delivery log")

    def __str__(self) -> str:
        return f"{self.message} → {self.recipient_label} ({self.get_channel_display()})"

    @property
    def recipient_label(self) -> str:
        if self.robot_id:
            return str(self.robot.group)
        return str(self.user) if self.user_id else self.recipient_key


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log",
                                 verbose_name=_("delivery"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    ok = models.BooleanField(_("succeeded"))
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {'OK' if self.ok else self.detail[:60]}"


class NotificationQuerySet(OwnQuerySet):
    owner_field = "recipient"

    def unread(self):
        return self.filter(read_at__isnull=True)

    def mark_read(self) -> int:
        return self.unread().update(read_at=timezone.now())


class Notification(models.Model):
    """An entry of a user's in-app notification centre."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications", verbose_name=_("recipient"))
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="notifications", verbose_name=_("message"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "created_at"], name="notification_recent"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
