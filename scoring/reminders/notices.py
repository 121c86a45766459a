"""Village notices: the village secretary hears of what happens to the village — a star
application sent back, passed on, approved or rejected, its public notice, a star
awarded or revoked — as it happens (signals of scoring.reviews, after commit), and of
entries sent back (daily, from the dispatcher). One message per event: the claim key
names the event, so a repeated signal or a second run sends nothing more."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scoring.stars import StarCode
from wuxing.accounts.models import Membership, User
from wuxing.accounts.roles import Role
from wuxing.notifications import delivery as deliveries
from wuxing.notifications.models import Channel, Delivery, Message

from .kinds import ReminderKind

# Application transitions the village hears about (a submission is its own doing).
DECISIONS = ("pass_step", "send_back", "approve", "reject")


def secretaries(village_id: int) -> list[int]:
    return list(Membership.objects.filter(role=Role.VILLAGE_SECRETARY, village_id=village_id,
                                          user__is_active=True)
                .values_list("user_id", flat=True).distinct())


def notify(*, kind: str, topic: str, subject: str, context: dict, url: str,
           user_ids: list[int], town_id: int | None = None, period: str = "") -> list[int]:
    """Claim one message to the users (in-app, and by email when they have an address)
    and queue its deliveries on commit; returns the ids of the rows it claimed."""
    if not user_ids:
        return []
    period = period or f"{timezone.localdate():%Y-%m}"
    batch = uuid.uuid4()
    with transaction.atomic():
        message, _created = Message.objects.get_or_create(
            kind=kind, period=period, topic=topic,
            defaults={"subject": subject[:200], "context": context, "url": url,
                      "town_id": town_id})
        rows = []
        for uid, email in User.objects.filter(pk__in=user_ids).values_list("pk", "email"):
            for channel in [Channel.IN_APP] + ([Channel.EMAIL] if email else []):
                rows.append(Delivery(message=message, channel=channel,
                                     recipient_key=f"user:{uid}", user_id=uid, batch=batch))
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(Delivery.objects.filter(batch=batch).values_list("pk", flat=True))
        deliveries.enqueue(ids)
    return ids


def _application_notice(application, title: str, intro: str, topic: str) -> list[int]:
    village = application.village
    return notify(kind=ReminderKind.VILLAGE_NOTICE, topic=topic,
                  subject=f"【{village.name}】{title}",
                  context={"intro": intro, "sections": [], "outro": ""},
                  url=reverse("reviews:detail", args=[application.pk]),
                  user_ids=secretaries(village.pk), town_id=village.town_id)


def on_application_transitioned(sender, application, log, action, **kwargs):
    if action not in DECISIONS:
        return
    with translation.override(settings.LANGUAGE_CODE):
        stars = "、".join(str(StarCode(s).label) for s in application.ordered_stars)
        title = _("Star application (%(stars)s): %(state)s") % {
            "stars": stars, "state": application.get_state_display()}
        intro = title
        if log.reason:
            intro += "\n" + _("Reason: %(reason)s") % {"reason": log.reason}
        _application_notice(application, title, intro, f"review-log:{log.pk}")


def on_notice_started(sender, notice, applications, **kwargs):
    with translation.override(settings.LANGUAGE_CODE):
        for application in applications:
            title = _("Public notice of your star application: %(start)s to %(end)s") % {
                "start": f"{notice.starts_on:%Y-%m-%d}", "end": f"{notice.ends_on:%Y-%m-%d}"}
            _application_notice(application, title, title,
                                f"notice:{notice.pk}:{application.pk}")


def on_award_changed(sender, award, log, action, **kwargs):
    with translation.override(settings.LANGUAGE_CODE):
        star = str(StarCode(award.star).label)
        if action == "revoked":
            title = _("%(star)s revoked") % {"star": star}
        elif action == "reinstated":
            title = _("%(star)s reinstated") % {"star": star}
        else:
            title = _("%(star)s awarded") % {"star": star}
        intro = title + ("\n" + _("Reason: %(reason)s") % {"reason": log.reason}
                         if log.reason else "")
        village = award.village
        notify(kind=ReminderKind.VILLAGE_NOTICE, topic=f"review-log:{log.pk}",
               subject=f"【{village.name}】{title}",
               context={"intro": intro, "sections": [], "outro": ""},
               url=reverse("villages:detail", args=[village.code]),
               user_ids=secretaries(village.pk), town_id=village.town_id)


def connect() -> None:
    from scoring.reviews import signals
    signals.application_transitioned.connect(on_application_transitioned,
                                             dispatch_uid="reminders-application")
    signals.notice_started.connect(on_notice_started, dispatch_uid="reminders-notice")
    signals.award_changed.connect(on_award_changed, dispatch_uid="reminders-award")
