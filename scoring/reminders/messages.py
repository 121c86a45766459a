"""The text of the reminders: what each message says and links to, built in the
portal's language, and `Planned`, a message with its recipients as the dispatcher plans
it (scoring/reminders/dispatch.py)."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from scoring.stars import STAR_ORDER, StarCode

from . import sources
from .kinds import ReminderKind
from .models import period_key

MAX_ROWS = 30  # villages listed in one message; the rest is counted
TOP_GAPS = 10


@dataclass
class Planned:
    """One message and its recipients."""

    kind: str
    month: date
    topic: str
    town_id: int
    subject: str
    context: dict
    url: str
    users: list[int] = field(default_factory=list)
    user_channels: list[str] = field(default_factory=list)
    robots: list[tuple[int, str]] = field(default_factory=list)  # (robot id, channel)
    period_override: str = ""  # e.g. an ISO week for the weekly review reminder

    @property
    def period(self) -> str:
        return self.period_override or period_key(self.month)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.period, self.topic)



def _month_label(month: date) -> str:
    return _("%(year)d/%(month)d") % {"year": month.year, "month": month.month}


def _day_label(day: date) -> str:
    return _("%(month)d/%(day)d") % {"month": day.month, "day": day.day}


def _rows(items: list[sources.MissingItem]) -> dict:
    labels = {sources.Status.RETURNED: _("returned"), sources.Status.MISSING: _("no entry")}
    rows = [f"{item.village}（{labels[item.status]}）" for item in items[:MAX_ROWS]]
    return {"rows": rows, "more": max(0, len(items) - MAX_ROWS)}


def _town_url(town, month) -> str:
    """The town's completeness page of the month."""
    return _url_pattern("progress:completeness", "999999999999").replace(
        "999999999999", town.code).replace("2000-01", period_key(month))


def _group_url(group, month) -> str:
    """The working group's grid of the month."""
    return _url_pattern("progress:grid", 987654321).replace(
        "987654321", str(group["id"])).replace("2000-01", period_key(month))


@functools.cache
def _url_pattern(name: str, key) -> str:
    # reverse() once, then fill in: tens of thousands of messages in a province run.
    return reverse(name, args=[key, "2000-01"])


def group_message(kind, month, town, group, items, policy) -> Planned:
    star = StarCode(group["star"]).label
    values = {"group": group["name"], "count": len(items), "star": star,
              "month": _month_label(month), "deadline": _day_label(policy.deadline(month))}
    if kind == ReminderKind.ENTRY_DUE:
        subject = _("%(group)s: %(count)d villages still lack %(month)s entries, due "
                    "%(deadline)s") % values
        intro = _("The entries of %(month)s for the %(star)s are due on %(deadline)s. "
                  "These villages of your group still have missing or returned entries:"
                  ) % values
    elif kind == ReminderKind.OVERDUE:
        subject = _("%(group)s: %(count)d villages are overdue with %(month)s entries"
                    ) % values
        intro = _("The deadline of %(deadline)s for the %(month)s entries of the %(star)s "
                  "has passed. These villages of your group are overdue:") % values
    else:
        subject = _("Escalation: %(group)s has %(count)d villages overdue for %(month)s"
                    ) % values
        intro = _("As the group leader: the deadline of %(deadline)s has passed and these "
                  "villages still have missing or returned %(star)s entries for "
                  "%(month)s:") % values
    section = {"heading": _("%(star)s, %(month)s") % values, **_rows(items)}
    return Planned(kind=kind, month=month, topic=f"group:{group['id']}", town_id=town.pk,
                   subject=f"【{town.name}】{subject}",
                   context={"intro": intro, "sections": [section],
                            "outro": _("Please complete or correct the entries.")},
                   url=_group_url(group, month))


def town_overdue(month, town, groups_items, policy) -> Planned:
    values = {"month": _month_label(month), "deadline": _day_label(policy.deadline(month)),
              "count": len({i.village_id for _g, items in groups_items for i in items})}
    sections = [{"heading": _("%(group)s: %(count)d villages") % {
        "group": group["name"], "count": len(items)}, **_rows(items)}
        for group, items in groups_items]
    return Planned(kind=ReminderKind.OVERDUE_TOWN, month=month, topic=f"town:{town.pk}",
                   town_id=town.pk,
                   subject=f"【{town.name}】" + _(
                       "Escalation: %(count)d villages overdue with %(month)s entries"
                   ) % values,
                   context={"intro": _("The deadline of %(deadline)s has passed; the star "
                                       "working groups still miss these entries for "
                                       "%(month)s:") % values,
                            "sections": sections, "outro": ""},
                   url=_town_url(town, month))


def town_summary(month, town, town_groups, missing) -> Planned:
    by_village: dict[int, list[sources.MissingItem]] = defaultdict(list)
    sections_rows = []
    stars = sorted(town_groups, key=lambda g: STAR_ORDER.index(g["star"]))
    for group in stars:
        items = missing.get(group["id"], [])
        for item in items:
            by_village[item.village_id].append(item)
        total = group["village_count"]
        counts = Counter(item.status for item in items)
        done = total - len(items)
        sections_rows.append(_(
            "%(star)s: %(done)d of %(total)d villages complete (%(percent)d%%), "
            "%(missing)d without entries, %(returned)d returned") % {
            "star": StarCode(group["star"]).label, "done": done, "total": total,
            "percent": round(100 * done / total) if total else 100,
            "missing": counts[sources.Status.MISSING],
            "returned": counts[sources.Status.RETURNED]})
    gaps = sorted(by_village.values(), key=lambda items: (-len(items), items[0].village))
    gap_rows = [_("%(village)s: %(count)d stars incomplete (%(stars)s)") % {
        "village": items[0].village, "count": len(items),
        "stars": "、".join(str(StarCode(i.star).label) for i in items)}
        for items in gaps[:TOP_GAPS]]
    values = {"month": _month_label(month)}
    return Planned(
        kind=ReminderKind.MONTHLY_SUMMARY, month=month, topic=f"town:{town.pk}",
        town_id=town.pk,
        subject=f"【{town.name}】" + _("Monthly summary of %(month)s") % values,
        context={"intro": _("For the monthly work meeting: the completeness of the "
                            "%(month)s entries and the town's largest gaps.") % values,
                 "sections": [
                     {"heading": _("Completeness by star"), "rows": sections_rows,
                      "more": 0},
                     {"heading": _("Villages with the most gaps"),
                      "rows": gap_rows or [_("None: every village is complete.")],
                      "more": max(0, len(gaps) - TOP_GAPS)}],
                 "outro": ""},
        url=_town_url(town, month))
