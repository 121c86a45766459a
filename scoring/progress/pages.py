"""What the month page and the grid show, loaded in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import engine, services
from scoring.models import Comparison, Indicator, ValueKind
from scoring.stars import STAR_ORDER, StarCode
from scoring.wording import Wording, star_name
from wuxing.accounts.access import can

from . import completeness, periods, values, workflow
from .evidence import VERIFIED_ENTRY_RULE
from .models import Entry, EntryStatus, Evidence, MonthReopen, TownPeriodSetting


def threshold_hint(ind: Indicator) -> str:
    unit = ind.unit or ("%" if ind.kind == ValueKind.PERCENT else "")
    if ind.steps:
        return "；".join(_("%(cmp)s %(value)s%(unit)s: %(points)s points") % {
            "cmp": Comparison(ind.comparison).label if ind.comparison else "≥",
            "value": t, "unit": unit, "points": p} for t, p in ind.steps)
    if ind.threshold is None:
        return _("Recorded for information") if ind.role == "info" else ""
    if ind.kind == ValueKind.BOOL:
        return _("Must be “yes”") if ind.threshold else _("Must be “no”")
    if isinstance(ind.threshold, list):
        return _("One of: %(choices)s") % {"choices": "、".join(ind.threshold)}
    text = f"{Comparison(ind.comparison).label} {ind.threshold}{unit}"
    if ind.role == "veto":
        return _("Veto when %(rule)s") % {"rule": text}
    return text


@dataclass(frozen=True)
class Change:
    """One line of an entry's or evidence item's history."""

    when: object
    who: object
    action: str
    what: str
    status: str = ""  # the entry's status after the change ("" for evidence)


def _entry_change(h) -> Change:
    value = h.value_bool if h.value_bool is not None else (
        h.value_number if h.value_number is not None else h.value_choice)
    what = f"{h.get_status_display()} {values.display(value) or '—'}"
    if h.carried:
        what += _(" (carried)")
    if h.return_reason:
        what += f" · {h.return_reason}"
    return Change(h.history_date, h.changed_by or h.history_user,
                  h.get_history_type_display(), what, h.status)


@dataclass
class Row:
    indicator: Indicator
    entry: Entry | None
    previous: Entry | None
    due: bool
    hint: str
    evidence: list[Evidence] = field(default_factory=list)
    history: list = field(default_factory=list)
    # (status, month) of the latest entry of the cadence period (completeness.reported):
    # an annual figure entered in March reports December too.
    reported: tuple[str, date] | None = None
    urls: dict[str, str] = field(default_factory=dict)  # the row's actions (`row_urls`)

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0

    @property
    def value(self) -> str:
        return values.input_value(self.entry.get_value(self.indicator.kind)) \
            if self.entry else ""

    @property
    def previous_display(self) -> str:
        if self.previous is None:
            return ""
        return values.display(self.previous.get_value(self.indicator.kind))

    @property
    def can_carry(self) -> bool:
        return workflow.can_carry(self.indicator) and self.previous is not None

    @property
    def missing(self) -> bool:
        """Due and not reported for its period: what the completeness page counts."""
        return self.due and self.reported is None

    @property
    def reported_earlier(self) -> date | None:
        """The earlier month of the period whose entry reports this one (no entry here)."""
        if self.entry is None and self.reported is not None:
            return self.reported[1]
        return None

    @property
    def editable(self) -> bool:
        """A verified entry is read-only until a leader returns it."""
        return self.entry is None or self.entry.is_editable

    @property
    def verified(self) -> Change | None:
        """Who verified the entry and when: the history line of the verification, else
        the entry's own last change (a verified entry changes no more)."""
        if self.entry is None or self.entry.status != EntryStatus.VERIFIED:
            return None
        found = None
        for change in self.history:  # newest first; the run of verified lines ends at
            if not change.status:    # the verification itself (evidence lines skipped)
                continue
            if change.status != EntryStatus.VERIFIED:
                break
            found = change
        if found is None or found.who is None:
            return Change(self.entry.updated_at, self.entry.changed_by, "", "",
                          EntryStatus.VERIFIED)
        return found

    @property
    def needs_evidence(self) -> str:
        parts = []
        if self.indicator.min_photos:
            parts.append(_("%(n)s photo(s)") % {"n": self.indicator.min_photos})
        if self.indicator.min_documents:
            parts.append(_("%(n)s document(s)") % {"n": self.indicator.min_documents})
        return "、".join(parts)


ROW_ACTIONS = ("save", "carry", "add_evidence")
_MARK = "0CODE0"


def row_urls(village, month: date) -> Callable[[str], dict[str, str]]:
    """Indicator code -> the URLs of its row's actions, each pattern reversed once per
    page: six `{% url %}` tags per row were a tenth of the month page's time."""
    patterns = {name: reverse(f"progress:{name}", args=[village.code, f"{month:%Y-%m}", _MARK])
                for name in ROW_ACTIONS}
    return lambda code: {name: p.replace(_MARK, code) for name, p in patterns.items()}


def load_rows(village, month: date, indicators: list[Indicator],
              entries: dict[int, Entry] | None = None) -> list[Row]:
    """One row per indicator with entry, previous value, evidence and history;
    `entries` (indicator id -> entry): the month's entries if the caller holds them."""
    if entries is None:
        entries = {e.indicator_id: e for e in Entry.objects.filter(
            village=village, month=month).select_related("entered_by", "changed_by")}
    previous = workflow.previous_values(village, indicators, month)
    reported = completeness.reported([village.pk], indicators, month)
    urls = row_urls(village, month)
    rows = [Row(i, entries.get(i.pk), previous.get(i.pk),
                completeness.is_due(i.cadence, month), threshold_hint(i),
                reported=reported.get((village.pk, i.pk)), urls=urls(i.code))
            for i in indicators]
    by_entry = {r.entry.pk: r for r in rows if r.entry}
    if by_entry:
        for ev in (Evidence.objects.filter(entry_id__in=list(by_entry))
                   .select_related("uploaded_by", "duplicate_of__entry__village")):
            by_entry[ev.entry_id].evidence.append(ev)
        for h in (Entry.history.filter(id__in=list(by_entry))
                  .select_related("history_user", "changed_by")
                  .order_by("-history_date")[:500]):
            by_entry[h.id].history.append(_entry_change(h))
        evidence_history = (Evidence.history.filter(entry_id__in=list(by_entry))
                            .select_related("history_user").order_by("-history_date")[:500])
        for h in evidence_history:
            by_entry[h.entry_id].history.append(Change(
                h.history_date, h.history_user, h.get_history_type_display(),
                _("evidence “%(name)s”") % {"name": h.original_name}))
        for row in by_entry.values():
            row.history.sort(key=lambda c: c.when, reverse=True)
    return rows


def indicators_of(ruleset, stars=STAR_ORDER) -> list[Indicator]:
    return list(Indicator.objects.filter(ruleset=ruleset, star_id__in=list(stars))
                .select_related("star").order_by("star__order", "order", "code"))


def period_state(village, month: date) -> periods.PeriodState:
    return periods.PeriodState(
        village, month, day=TownPeriodSetting.objects.of(village.town_id).deadline_day)


def preview_of(village, month: date, ruleset) -> engine.VillageResult | None:
    """The engine result over all entries but returned ones (drafts included)."""
    if ruleset is None:
        return None
    inputs = services.engine_inputs([village.pk], ruleset, month, official=False)
    return services.evaluate_for(services.spec_of(ruleset), village, inputs.get(village.pk, []),
                                 month)


@dataclass
class MonthPage:
    village: object
    month: date
    ruleset: object
    tabs: list[tuple[str, str, list[Row]]]
    period: periods.PeriodState
    preview: engine.VillageResult | None
    returned: list[Row]
    can_enter: bool
    can_evidence: bool
    can_reopen: bool
    led: set[str]
    names: dict[str, str] = field(default_factory=dict)

    @property
    def verified_evidence_rule(self) -> str:
        return VERIFIED_ENTRY_RULE

    @property
    def drafts(self) -> int:
        return sum(1 for _c, _n, rows in self.tabs for r in rows
                   if r.entry and r.entry.status in (EntryStatus.DRAFT, EntryStatus.RETURNED))


def month_page(user, village, month: date, *, only: Indicator | None = None,
               saved: Entry | None = None,
               period: periods.PeriodState | None = None) -> MonthPage:
    """The page's data; `only`: just that indicator's row (the htmx answer to a save),
    `saved` its entry as just stored and `period` the state the save read, so that the
    answer reads neither again."""
    ruleset = only.ruleset if only else services.ruleset_for(village.code, month.year)
    indicators = ([only] if only else indicators_of(ruleset)) if ruleset else []
    rows = load_rows(village, month, indicators,
                     {saved.indicator_id: saved} if only and saved else None)
    tabs = [(code, StarCode(code).label, [r for r in rows if r.indicator.star_id == code])
            for code in STAR_ORDER]
    return MonthPage(
        village=village, month=month, ruleset=ruleset, tabs=[t for t in tabs if t[2]],
        period=period or period_state(village, month),
        preview=preview_of(village, month, ruleset),
        names={i.code: i.name for i in indicators},
        returned=[r for r in rows if r.entry and r.entry.status == EntryStatus.RETURNED],
        can_enter=can(user, "enter_progress", village.code),
        can_evidence=can(user, "add_evidence", village.code),
        can_reopen=can(user, "reopen_month", village.code),
        led=workflow.led_stars(user, village) if not can(user, "verify_entry", village.code)
        else set(STAR_ORDER))


# --- the working-group grid ------------------------------------------------------------------


@dataclass
class Grid:
    group: object
    month: date
    indicators: list[Indicator]
    rows: list[tuple[object, bool, list[Row]]]  # village, locked, one row per indicator


def grid(group, month: date) -> Grid:
    villages = list(completeness.group_villages(group))
    ruleset = services.ruleset_for(group.town.code, month.year)
    indicators = indicators_of(ruleset, completeness.group_stars(group)) if ruleset else []
    entries = {(e.village_id, e.indicator_id): e for e in Entry.objects.filter(
        village__in=villages, month=month, indicator__in=indicators)}
    day = TownPeriodSetting.objects.of(group.town_id).deadline_day
    now = timezone.now()
    reopened = set(MonthReopen.objects.filter(village__in=villages, month=month)
                   .active(now).values_list("village_id", flat=True))
    locked = set()
    if villages:
        base = periods.PeriodState(villages[0], month, now=now, day=day)
        base.reopened_until = None
        if not base.is_open:
            locked = {v.pk for v in villages if v.pk not in reopened or base.not_started}
    hints = {i.pk: threshold_hint(i) for i in indicators}
    reported = completeness.reported([v.pk for v in villages], indicators, month)
    rows = [(v, v.pk in locked, [Row(i, entries.get((v.pk, i.pk)), None,
                                     completeness.is_due(i.cadence, month), hints[i.pk],
                                     reported=reported.get((v.pk, i.pk)))
                                 for i in indicators]) for v in villages]
    return Grid(group, month, indicators, rows)


def gap_lines(result: engine.VillageResult | None, ruleset) -> list[tuple[str, list[str]]]:
    """What is still missing, per star, as the Chinese sentences of scoring/wording.py."""
    if result is None or ruleset is None:
        return []
    return Wording(services.spec_of(ruleset)).gap_list(result)


def preview_context(result: engine.VillageResult | None, ruleset) -> dict:
    """What progress/_preview.html shows; stars named in the reader's language (the
    engine's own names are Chinese)."""
    stars = [(code, star_name(code), star) for code, star in result.stars.items()] \
        if result is not None else []
    return {"preview": result, "preview_stars": stars,
            "gap_lines": gap_lines(result, ruleset)}
