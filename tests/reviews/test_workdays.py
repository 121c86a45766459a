"""The public notice counts working days by the State Council's calendar (chinese-calendar):
国庆 is off, its 调休 Saturday is a working day, and the county's own list comes on top."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from scoring.reviews.workdays import add_working_days


def test_a_notice_from_the_friday_after_national_day_counts_the_make_up_saturday():
    # 2026-10-09 Fri, 10-10 Sat (调休 working day), 10-12 Mon, 10-13 Tue, 10-14 Wed.
    assert add_working_days(date(2026, 10, 9), 5) == date(2026, 10, 14)


def test_a_notice_across_national_day_skips_the_whole_holiday():
    # 09-30 Wed is the last working day before 国庆 (10-01 to 10-07 off).
    assert add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 1), 1) == date(2026, 10, 8)  # starts in it


def test_the_countys_own_holiday_overrides_the_make_up_saturday():
    assert add_working_days(date(2026, 10, 9), 5, [date(2026, 10, 10)]) == date(2026, 10, 15)


def test_it_refuses_a_notice_that_runs_into_a_year_the_calendar_does_not_cover():
    with pytest.raises(ValidationError) as refused:
        add_working_days(date(2026, 12, 28), 10)
    assert "chinesecalendar" in refused.value.messages[0]


def test_a_notice_ending_on_the_last_covered_day_is_scheduled():
    assert add_working_days(date(2026, 12, 31), 1) == date(2026, 12, 31)


def test_a_year_the_calendar_lacks_is_counted_on_the_countys_own_list_for_it():
    # The county listed 2027's New Year holiday: 2027 is counted on weekdays less the list.
    # 2026-12-28 Mon … 12-31 Thu (4), 2027-01-01 Fri off, 01-04 Mon … 01-08 Fri (5).
    holidays = [date(2027, 1, 1)]
    assert add_working_days(date(2026, 12, 28), 9, holidays) == date(2027, 1, 8)
