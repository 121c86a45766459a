"""Working days for the public notice: weekdays, minus the cycle's listed holidays."""

from collections.abc import Iterable
from datetime import date, timedelta


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The last day of a notice of `days` working days starting on `start`.

    The start day counts when it is a working day; otherwise the notice starts on
    the next working day.
    """
    off = set(holidays)
    day = start
    counted = 0
    while True:
        if day.weekday() < 5 and day not in off:
            counted += 1
            if counted >= days:
                return day
        day += timedelta(days=1)
