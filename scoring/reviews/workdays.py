"""Working days for the public notice: the State Council's calendar, then the county's list.

`chinese-calendar` knows the statutory holidays and their 调休 make-up working days (a
Saturday after 国庆 can be a working day). The cycle's own holiday list is applied on
top: a listed date is never a working day. The library ships the calendar one year at a
time, after the State Council announces it; a notice that would run into a year it does
not know is refused rather than counted on guessed weekends — unless the county has
listed its own holidays for that year (from the State Council's notice), which then
decide that year alone: weekdays not on the list are working days (a make-up Saturday
cannot be listed, so such a notice errs on the long side).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import chinese_calendar
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _is_working_day(day: date, off: set[date]) -> bool:
    if day in off:
        return False
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if any(holiday.year == day.year for holiday in off):
            return day.weekday() < 5
        raise ValidationError(_(
            "The holiday calendar does not cover %(year)s yet: the public notice cannot "
            "be scheduled. Ask the administrator to update the chinesecalendar package.")
            % {"year": day.year}) from None


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The last day of a notice of `days` working days starting on `start`.

    The start day counts when it is a working day; otherwise the notice starts on
    the next working day.
    """
    off = set(holidays)
    day = start
    counted = 0
    while True:
        if _is_working_day(day, off):
            counted += 1
            if counted >= days:
                return day
        day += timedelta(days=1)
