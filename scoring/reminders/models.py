"""Reminder policy of a town: when each reminder goes out, over which channels, on/off.

Towns without a row use the defaults (an unsaved `ReminderPolicy()`), so the province's
2,400 towns need no rows until a town leader changes something.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from scoring.progress.models import DEFAULT_DEADLINE_DAY
from wuxing.accounts.access import ScopedQuerySet
from wuxing.notifications.models import Channel
from wuxing.ranges import in_range, range_checks

from .kinds import ReminderKind


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def period_key(month: date) -> str:
    return f"{month:%Y-%m}"


# Days around the reporting deadline (day 1-28 of the next month) and review waiting.
POLICY_RANGES = {
    "due_days_before": (1, 20), "overdue_days_after": (1, 20), "leader_days_after": (1, 25),
    "town_leader_days_after": (1, 25), "summary_days_after": (0, 25),
    "review_waiting_days": (1, 60),
}


def _days(label, default, name: str, help_text=""):
    return models.PositiveSmallIntegerField(
        label, default=default, help_text=help_text,
        validators=in_range(POLICY_RANGES[name]))


class ReminderPolicyQuerySet(ScopedQuerySet):
    scope_field = "town__code"


class ReminderPolicy(models.Model):
    town = models.OneToOneField("villages.AdminUnit", on_delete=models.CASCADE,
                                related_name="reminder_policy", verbose_name=_("town"),
                                limit_choices_to={"level": "town"})
    enabled = models.BooleanField(_("reminders on"), default=True)
    due_days_before = _days(_("entries-due reminder: days before the deadline"), 3,
                            "due_days_before")
    overdue_days_after = _days(_("overdue reminder: days after the deadline"), 1,
                               "overdue_days_after")
    leader_days_after = _days(_("escalate to the group leader: days after the deadline"),
                              3, "leader_days_after")
    town_leader_days_after = _days(
        _("escalate to the town leader: days after the deadline"), 7,
        "town_leader_days_after")
    summary_days_after = _days(_("monthly summary: days after the deadline"), 2,
                               "summary_days_after",
                               _("Sent to the town leader before the monthly work meeting."))
    review_waiting_days = _days(
        _("remind reviewers of applications waiting more than (days)"), 5,
        "review_waiting_days")
    send_review_waiting = models.BooleanField(_("remind reviewers of waiting applications"),
                                              default=True)
    send_entry_due = models.BooleanField(_("send entries-due reminders"), default=True)
    send_overdue = models.BooleanField(_("send overdue reminders and escalations"),
                                       default=True)
    send_summary = models.BooleanField(_("send the monthly summary"), default=True)
    use_email = models.BooleanField(_("by email"), default=True)
    use_wecom = models.BooleanField(_("to the groups' WeCom robots"), default=True)
    use_dingtalk = models.BooleanField(_("to the groups' DingTalk robots"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))

    objects = ReminderPolicyQuerySet.as_manager()

    # The town's reporting deadline (day of the next month) belongs to the entries
    # (scoring.progress TownPeriodSetting); the dispatcher sets it from there.
    deadline_day = DEFAULT_DEADLINE_DAY

    class Meta:
        constraints = range_checks("reminderpolicy", POLICY_RANGES)
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")

    def __str__(self) -> str:
        return gettext("Reminder policy of %(town)s") % {"town": self.town}

    @property
    def division_code(self) -> str:
        return self.town.code

    def clean(self) -> None:
        if not (self.overdue_days_after < self.leader_days_after
                < self.town_leader_days_after):
            raise ValidationError(gettext(
                "Escalation must go step by step: the group first, then the group leader, "
                "then the town leader, each on a later day."))

    # --- when ---------------------------------------------------------------------------

    def with_deadline(self, day: int | None) -> ReminderPolicy:
        """This policy with the town's reporting deadline day (a copy)."""
        policy = copy.copy(self)
        policy.deadline_day = day or DEFAULT_DEADLINE_DAY
        return policy

    def deadline(self, month: date) -> date:
        return next_month(first_of_month(month)).replace(day=self.deadline_day)

    def offset(self, kind: str) -> int:
        return {
            ReminderKind.ENTRY_DUE: -self.due_days_before,
            ReminderKind.OVERDUE: self.overdue_days_after,
            ReminderKind.OVERDUE_LEADER: self.leader_days_after,
            ReminderKind.OVERDUE_TOWN: self.town_leader_days_after,
            ReminderKind.MONTHLY_SUMMARY: self.summary_days_after,
        }[kind]

    def send_date(self, kind: str, month: date) -> date:
        return self.deadline(month) + timedelta(days=self.offset(kind))

    def kinds(self) -> list[str]:
        if not self.enabled:
            return []
        kinds = []
        if self.send_entry_due:
            kinds.append(ReminderKind.ENTRY_DUE)
        if self.send_overdue:
            kinds += [ReminderKind.OVERDUE, ReminderKind.OVERDUE_LEADER,
                      ReminderKind.OVERDUE_TOWN]
        if self.send_summary:
            kinds.append(ReminderKind.MONTHLY_SUMMARY)
        return kinds

    def current_month(self, kind: str, today: date) -> date | None:
        """The month whose `kind` reminder is due on `today`: the latest month whose send
        date has come. It stays due until the next month's one, so a day the scheduler
        missed is caught up; an entries-due reminder expires at its deadline."""
        month = first_of_month(today)
        for _step in range(4):
            if self.send_date(kind, month) <= today:
                if kind == ReminderKind.ENTRY_DUE and today > self.deadline(month):
                    return None
                return month
            month = previous_month(month)
        return None

    def robot_channels(self) -> list[str]:
        return ([Channel.WECOM] if self.use_wecom else []) + (
            [Channel.DINGTALK] if self.use_dingtalk else [])

    def user_channels(self) -> list[str]:
        return [Channel.IN_APP] + ([Channel.EMAIL] if self.use_email else [])

    def schedule(self, today: date) -> list[tuple[str, date, date]]:
        """(kind label, month, send date) of the next reminder of each kind."""
        rows = []
        for kind in self.kinds():
            month = first_of_month(today)
            while self.send_date(kind, month) < today:
                month = next_month(month)
            rows.append((ReminderKind(kind).label, month, self.send_date(kind, month)))
        return rows
