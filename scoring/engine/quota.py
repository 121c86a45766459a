"""Quotas (名额, format 2): how much of a county's quota for a level is used.

Not a village rule: "五星不超过 10%" caps how many of the county's villages may hold a
level in one cycle. Pure, like the rest of the engine; scoring/quotas.py loads the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from .model import _HUNDRED


@dataclass(frozen=True, slots=True)
class QuotaUse:
    level: int
    percent: Decimal  # the most this share of the county's villages may hold the level
    villages: int  # villages of the county
    limit: int  # the most villages that may hold it (rounded down)
    used: int  # villages holding it now
    approving: int  # villages the pending approval would add

    @property
    def after(self) -> int:
        return self.used + self.approving

    @property
    def exceeded(self) -> bool:
        """Approving would go over the quota (exactly full is still allowed)."""
        return self.after > self.limit

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)


def quota_of(level: int, percent: Decimal, villages: int, used: int,
             approving: int = 1) -> QuotaUse:
    limit = int((Decimal(villages) * percent / _HUNDRED).to_integral_value(ROUND_FLOOR))
    return QuotaUse(level=level, percent=percent, villages=villages, limit=limit, used=used,
                    approving=approving)


def quota_percent(quotas: tuple[tuple[int, Decimal], ...], level: int) -> Decimal | None:
    """The rule set's quota for `level`, or None when the level has none."""
    return dict(quotas).get(level)
