"""The reminders that are not about a month's missing entries: applications waiting for
review (weekly, to the reviewers of the step) and entries sent back (to the village
secretary, once per newly returned entry). Planned with the dispatcher's other kinds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scoring.progress.models import Entry, EntryStatus
from scoring.reviews import steps
from scoring.reviews.models import ReviewLog
from scoring.reviews.models.applications import (
    REVIEW_STATES,
    STATE_STEP,
    SUBMIT_ACTIONS,
    Application,
)
from wuxing.accounts.models import Membership
from wuxing.accounts.roles import Role

from .kinds import ReminderKind
from .messages import Planned
from .models import first_of_month, previous_month


@dataclass
class Extra:
    planned: list = field(default_factory=list)
    user_ids: set[int] = field(default_factory=set)


def plan(today: date, towns: dict, policies: dict) -> Extra:
    extra = Extra()
    with translation.override(settings.LANGUAGE_CODE):
        _review_waiting(today, towns, policies, extra)
        _entries_returned(today, towns, policies, extra)
    return extra


def _reviewers(waiting: dict[str, list], submitted: dict[int, set[int]]) -> dict[int, list]:
    """user id -> the waiting applications they review: whoever reviews at the step
    (steps.reviews_at, administrators included), never one who submitted it."""
    prefixes = {code[:steps.STEP_PREFIX[step]] for step, apps in waiting.items()
                for *_rest, code in apps}
    per_user: dict[int, list] = defaultdict(list)
    for uid, role, scope in (Membership.objects.filter(
            Q(scope__in=prefixes) | Q(role=Role.ADMIN), user__is_active=True)
            .values_list("user_id", "role", "scope")):
        for step, apps in waiting.items():
            if not steps.reviews_at(role, scope, step):
                continue
            per_user[uid] += [app[:4] for app in apps
                              if app[4].startswith(scope) and uid not in submitted[app[0]]]
    return {uid: apps for uid, apps in per_user.items() if apps}


def _review_waiting(today, towns, policies, extra: Extra) -> None:
    waiting: dict[str, list] = defaultdict(list)  # step -> (pk, name, days, town, code)
    submitted: dict[int, set[int]] = defaultdict(set)
    for pk, state, since, code, name, town_id, *submitters in (
            Application.objects.filter(state__in=REVIEW_STATES, village__town_id__in=list(towns))
            .values_list("pk", "state", "state_since", "village__code", "village__name",
                         "village__town_id", "submitted_by_id", "resubmitted_by_id")):
        policy = policies[town_id]
        days = (today - timezone.localdate(since)).days
        if not (policy.enabled and policy.send_review_waiting
                and days > policy.review_waiting_days):
            continue
        waiting[STATE_STEP[state]].append((pk, name, days, town_id, code))
        submitted[pk] |= {uid for uid in submitters if uid}
    if not waiting:
        return
    for application_id, actor_id in (ReviewLog.objects.filter(
            application_id__in=list(submitted), action__in=SUBMIT_ACTIONS)
            .values_list("application_id", "actor_id")):
        submitted[application_id].add(actor_id)
    per_user = _reviewers(waiting, submitted)
    year, week, _day = today.isocalendar()
    for uid, apps in per_user.items():
        apps = sorted(set(apps), key=lambda a: (-a[2], a[1]))
        rows = [_("%(village)s: waiting %(days)d days") % {"village": name, "days": days}
                for _pk, name, days, _t in apps]
        extra.user_ids.add(uid)
        extra.planned.append(Planned(
            kind=ReminderKind.REVIEW_WAITING, month=first_of_month(today),
            period_override=f"{year}W{week:02d}", topic=f"user:{uid}", town_id=apps[0][3],
            subject=_("%(count)d star applications are waiting for your review") % {
                "count": len(apps)},
            context={"intro": _("These applications have waited longer than the town's "
                                "limit at your step:"),
                     "sections": [{"heading": "", "rows": rows[:30],
                                   "more": max(0, len(rows) - 30)}], "outro": ""},
            url=reverse("reviews:queue"), users=[uid], user_channels=_channels(policies,
                                                                               apps)))


def _channels(policies, apps) -> list[str]:
    return policies[apps[0][3]].user_channels()


def _entries_returned(today, towns, policies, extra: Extra) -> None:
    months = [first_of_month(today), previous_month(first_of_month(today))]
    returned: dict[int, list] = defaultdict(list)
    # In the order they were sent back: the last one names the message (see the topic).
    for pk, version, village_id, code, name, town_id, indicator, reason, month in (
            Entry.objects.filter(status=EntryStatus.RETURNED, month__in=months,
                                 village__town_id__in=list(towns))
            .order_by("updated_at", "pk").values_list(
                "pk", "version", "village_id", "village__code", "village__name",
                "village__town_id", "indicator__name", "return_reason", "month")):
        if policies[town_id].enabled:
            returned[village_id].append((f"{pk}v{version}", code, name, town_id, indicator,
                                         reason, month))
    if not returned:
        return
    secretaries: dict[int, list[int]] = defaultdict(list)
    for village_id, uid in (Membership.objects.filter(role=Role.VILLAGE_SECRETARY,
                                                      village_id__in=list(returned),
                                                      user__is_active=True)
                            .values_list("village_id", "user_id")):
        secretaries[village_id].append(uid)
    for village_id, items in returned.items():
        users = secretaries.get(village_id)
        if not users:
            continue
        newest = items[-1]
        _pk, code, name, town_id, _i, _r, month = newest
        extra.user_ids.update(users)
        rows = [_("%(indicator)s (%(month)s): %(reason)s") % {
            "indicator": indicator, "month": f"{entry_month:%Y-%m}", "reason": reason or "—"}
            for _p, _c, _n, _t, indicator, reason, entry_month in items]
        extra.planned.append(Planned(
            kind=ReminderKind.ENTRY_RETURNED, month=month,
            # A new message whenever another entry, or the same one again after a
            # correction (a new version), is sent back.
            topic=f"village:{village_id}:{newest[0]}", town_id=town_id,
            subject=f"【{name}】" + _("%(count)d entries were sent back") % {
                "count": len(items)},
            context={"intro": _("These entries were sent back; please correct them:"),
                     "sections": [{"heading": "", "rows": rows[:30],
                                   "more": max(0, len(rows) - 30)}], "outro": ""},
            url=reverse("progress:month", args=[code, f"{month:%Y-%m}"]),
            users=users, user_channels=policies[town_id].user_channels()))
