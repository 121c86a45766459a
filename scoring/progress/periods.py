"""Reporting periods: a month is open until the town's deadline, then locked.

Month M stays open through day `deadline_day` (default 5) of month M+1, local time
(Asia/Shanghai); from the next day on it is locked unless a town leader reopened the
village-month. Months that have not begun are not open either.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import engine
from wuxing.accounts.models import AuditEvent, AuditKind

from .models import MonthReopen, TownPeriodSetting

REOPEN_DAYS = 7


class MonthLocked(Exception):
    """A write to a month that is not open; the message says why, in Chinese."""


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def deadline_day(town) -> int:
    return TownPeriodSetting.objects.of(town.pk).deadline_day


def deadline(town, month: date, day: int | None = None) -> datetime:
    """The moment the month locks: the end of the deadline day, local time."""
    day = day or deadline_day(town)
    last_open = next_month(engine.month_start(month)).replace(day=day)
    return timezone.make_aware(datetime.combine(last_open + timedelta(days=1), time.min))


def reopened_until(village, month: date) -> datetime | None:
    reopen = MonthReopen.objects.filter(village=village, month=month).active(
        timezone.now()).order_by("-open_until").first()
    return reopen.open_until if reopen else None


def takes_writes(month: date, now: datetime, locks_at: datetime, reopened: bool) -> bool:
    """The rule of the module docstring for a month whose lock time and reopening are
    known: `PeriodState.is_open`, and pages that load many village-months at once."""
    if month > timezone.localdate(now).replace(day=1):
        return False
    return now < locks_at or reopened


class PeriodState:
    """Whether a village-month takes writes now, and why (for the page's banner)."""

    def __init__(self, village, month: date, now: datetime | None = None,
                 day: int | None = None):
        self.village, self.month = village, engine.month_start(month)
        self.now = now or timezone.now()
        self.deadline = deadline(village.town, self.month, day)
        self.reopened_until = reopened_until(village, self.month)
        self.not_started = self.month > timezone.localdate(self.now).replace(day=1)
        self.past_deadline = self.now >= self.deadline

    @property
    def is_open(self) -> bool:
        return takes_writes(self.month, self.now, self.deadline,
                            self.reopened_until is not None)

    @property
    def message(self) -> str:
        if self.not_started:
            return _("%(month)s has not begun yet; it cannot be filled in.") % {
                "month": f"{self.month:%Y-%m}"}
        closed = timezone.localtime(self.deadline)
        return _("%(month)s was locked at the deadline %(deadline)s. Ask a town leader "
                 "to reopen it.") % {"month": f"{self.month:%Y-%m}",
                                     "deadline": f"{closed:%Y-%m-%d %H:%M}"}

    def require_open(self) -> None:
        if not self.is_open:
            raise MonthLocked(self.message)


def require_open(village, month: date) -> None:
    PeriodState(village, month).require_open()


@transaction.atomic
def reopen(village, month: date, *, user, reason: str, request=None,
           days: int = REOPEN_DAYS) -> MonthReopen:
    """Reopen a village-month for `days` days; the reason is required and logged."""
    reason = reason.strip()
    if not reason:
        raise ValueError(_("A reason is required to reopen a month."))
    month = engine.month_start(month)
    row = MonthReopen.objects.create(village=village, month=month, reason=reason,
                                     open_until=timezone.now() + timedelta(days=days),
                                     reopened_by=user)
    AuditEvent.record(AuditKind.REOPEN, user=user, request=request,
                      target=f"{village.code} {month:%Y-%m}", reason=reason,
                      open_until=row.open_until.isoformat())
    return row
