"""The verification page: entries waiting for the user's verification, across villages.

Each row carries what the verifier judges by (the value, last month's value, the
evidence) and whether its month still takes changes. Verifying or returning runs the
workflow's own transitions (scoring/progress/workflow.py) with each row's version, all
rows of one request in one transaction: a stale row refuses the whole request, so a
selection is never half done.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import periods, values, workflow
from .models import Entry, Evidence, MonthReopen, TownPeriodSetting

VERIFY, RETURN = "verify", "return"


def waiting_for(user, village_code: str = ""):
    """Submitted entries the user may verify, oldest first (the to-do counts the same)."""
    entries = (Entry.objects.visible_to(user).awaiting_verification()
               .filter(workflow.verifiable_condition(user))
               .select_related("village__town", "indicator__star", "entered_by")
               .order_by("month", "updated_at", "pk"))
    return entries.filter(village__code=village_code) if village_code else entries


@dataclass
class Row:
    entry: Entry
    previous: Entry | None
    is_open: bool
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def value(self) -> str:
        return values.display(self.entry.get_value(self.entry.indicator.kind)) or "—"

    @property
    def previous_value(self) -> str:
        if self.previous is None:
            return "—"
        return values.display(self.previous.get_value(self.entry.indicator.kind)) or "—"


def _open_months(entries: list[Entry]) -> set[tuple[int, date]]:
    """(village, month) pairs that take writes now: two queries for the page."""
    now = timezone.now()
    days = dict(TownPeriodSetting.objects.filter(
        town_id__in={e.village.town_id for e in entries}).values_list("town_id",
                                                                     "deadline_day"))
    reopened = set(MonthReopen.objects.filter(
        village_id__in={e.village_id for e in entries},
        month__in={e.month for e in entries}).active(now).values_list("village_id", "month"))
    out = set()
    for e in entries:
        day = days.get(e.village.town_id) or TownPeriodSetting().deadline_day
        if periods.takes_writes(e.month, now, periods.deadline(None, e.month, day),
                                (e.village_id, e.month) in reopened):
            out.add((e.village_id, e.month))
    return out


def rows_for(entries) -> list[Row]:
    """The page's rows with last month's values, evidence and open state: four queries."""
    entries = list(entries)
    if not entries:
        return []
    previous = {(e.village_id, e.indicator_id, e.month): e for e in Entry.objects.filter(
        village_id__in={e.village_id for e in entries},
        indicator_id__in={e.indicator_id for e in entries},
        month__in={periods.previous_month(e.month) for e in entries},
    ).exclude(status="returned").order_by()}
    evidence = defaultdict(list)
    for ev in Evidence.objects.filter(entry_id__in=[e.pk for e in entries]).order_by("pk"):
        evidence[ev.entry_id].append(ev)
    open_months = _open_months(entries)
    return [Row(e, previous.get((e.village_id, e.indicator_id,
                                 periods.previous_month(e.month))),
                (e.village_id, e.month) in open_months, evidence[e.pk]) for e in entries]


@dataclass(frozen=True)
class Request:
    """What one POST asks: an action on some entries, each at the version seen."""

    action: str
    versions: dict[int, int]
    reason: str


def parse(post) -> Request:
    """A row's own button (`row` = "verify:12") or the selection (`action`, `ids`)."""
    if post.get("row"):
        action, _sep, pk = post["row"].partition(":")
        ids = [pk]
        reason = post.get(f"reason_{pk}", "")
    else:
        action, ids, reason = post.get("action", ""), post.getlist("ids"), post.get("reason", "")
    if action not in (VERIFY, RETURN):
        raise ValidationError(_("Choose to verify or to return."))
    if not ids:
        raise ValidationError(_("Select the entries first."))
    try:
        versions = {int(pk): int(post.get(f"version_{pk}", "")) for pk in ids}
    except ValueError:
        raise ValidationError(_("The page is out of date. Reload it and try again.")) from None
    if action == RETURN and not reason.strip():
        raise ValidationError(_("Say why the entries are returned."))
    return Request(action, versions, reason.strip())


def act(user, asked: Request, request=None) -> int:
    """Verify or return every entry asked, or none (404 / 403 / StaleEntry / refusal)."""
    entries = list(Entry.objects.visible_to(user).filter(pk__in=list(asked.versions))
                   .select_related("village__town", "indicator"))
    if len(entries) != len(asked.versions):
        raise Http404(_("Not found, or outside your jurisdiction."))
    led: dict[int, set[str]] = {}
    for entry in entries:
        if entry.village_id not in led:
            led[entry.village_id] = workflow.led_stars(user, entry.village)
        if not workflow.can_verify(user, entry, led[entry.village_id]):
            raise PermissionDenied(_("Only the town leader or the leader of this star's "
                                     "working group may verify or return entries."))
    with transaction.atomic():
        for entry in sorted(entries, key=lambda e: e.pk):
            version = asked.versions[entry.pk]
            if asked.action == VERIFY:
                workflow.verify(user, entry, version, request=request)
            else:
                workflow.send_back(user, entry, asked.reason, version, request=request)
    return len(entries)
