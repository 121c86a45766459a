"""Months and quarters as the dashboards use them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from scoring.engine import check_year, month_start


def this_month() -> date:
    return month_start(timezone.localdate())


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def last_months(month: date, count: int = 12) -> list[date]:
    return [add_months(month, n) for n in range(1 - count, 1)]


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """'2026Q3' -> Quarter(2026, 3); ValueError otherwise or outside the years."""
        match = re.fullmatch(r"(\d{4})Q([1-4])", str(text).strip().upper(), re.ASCII)
        if not match:
            raise ValueError(text)
        return cls(check_year(int(match.group(1))), int(match.group(2)))

    @classmethod
    def of(cls, month: date) -> Quarter:
        return cls(month.year, (month.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_month(self) -> date:
        return date(self.year, self.number * 3 - 2, 1)

    @property
    def last_month(self) -> date:
        return date(self.year, self.number * 3, 1)

    @property
    def end_day(self) -> date:
        return add_months(self.last_month, 1)  # exclusive

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                         self.number - 1)

    def status_month(self) -> date:
        """The month whose status stands for the quarter: its last, or this month."""
        return min(self.last_month, this_month())
