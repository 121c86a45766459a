"""Small format 2 rule-set files for the tests, built from pieces."""

from datetime import date
from decimal import Decimal

from scoring import rulefile
from scoring.engine import EntryInput

HEAD = """format_version: 2
name: "测试细则（格式 2）"
issuer: "410902"
year: 2026
branch_rule: none
stars:
{stars}
indicators:
{indicators}
{tail}"""
FILLER = """  - code: filler_{star}
    star: {star}
    name: "占位说明 {star}"
    kind: bool
    role: info
"""
STARS = ("branch", "industry", "ecology", "safety", "civility")


def v2_text(indicators: str, *, stars: dict[str, str] | None = None, tail: str = "") -> str:
    """A format 2 file: the given indicators, and an info filler for each star without."""
    stars = stars or {}
    star_lines = "\n".join(f"  {code}: {stars.get(code, '{pass_mark: 0, max_points: 0}')}"
                           for code in STARS)
    fillers = "".join(FILLER.format(star=code) for code in STARS
                      if f"star: {code}\n" not in indicators)
    return HEAD.format(stars=star_lines, indicators=indicators + fillers, tail=tail)


def v2_spec(indicators: str, **kwargs):
    return rulefile.parse_ruleset(v2_text(indicators, **kwargs))


def entry(code: str, value, month: int = 6) -> EntryInput:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = Decimal(str(value))
    return EntryInput(code, date(2026, month, 1), value)


JUNE = date(2026, 6, 1)
