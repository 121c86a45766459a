"""Between the database and the pure engine: load rows in bulk, evaluate, store.

The engine (scoring/engine.py) never touches the ORM. Here a rule set becomes an
engine spec, a village's cycle of entries and evidence becomes engine inputs (two
queries for any number of villages), and results are stored as Assessment rows, one
official (verified entries) and one preview (all entries) per village and month.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.dispatch import Signal

from scoring import engine
from scoring.models import Assessment, AssessmentKind, Indicator, RuleSet, ValueKind
from scoring.progress.models import Entry, EntryStatus, Evidence

# Sent after assessments were stored: kwargs `village_ids` (list[int]) and `month` (date).
# Dashboards keep their pre-aggregated rows in step by listening to it.
assessments_changed = Signal()

_SPEC_CACHE: dict[tuple, engine.RuleSetSpec] = {}


def clear_caches() -> None:
    """Forget cached specs (tests: ids come back after a rollback)."""
    _SPEC_CACHE.clear()
    _INDICATOR_MAPS.clear()


def spec_of(ruleset: RuleSet) -> engine.RuleSetSpec:
    """The engine spec of a rule set; published ones are immutable, so cached."""
    # More than the pk: ids come back after a rollback (SQLite, tests), and a stale spec
    # would judge villages by another rule set.
    key = (ruleset.pk, ruleset.version, ruleset.status, ruleset.year, ruleset.issuer_id,
           ruleset.published_at, ruleset.created_at)
    if ruleset.is_published and key in _SPEC_CACHE:
        return _SPEC_CACHE[key]
    stars = {s.star_id: engine.StarSpec(s.star_id, s.pass_mark, s.max_points)
             for s in ruleset.stars.all()}
    indicators = tuple(_indicator_spec(i) for i in
                       ruleset.indicators.select_related("star").order_by(
                           "star__order", "order", "code"))
    labels = {int(k): v for k, v in (ruleset.level_labels or {}).items()}
    spec = engine.RuleSetSpec(
        id=ruleset.pk, version=ruleset.version, name=ruleset.name,
        issuer_code=ruleset.issuer.prefix, year=ruleset.year, branch_rule=ruleset.branch_rule,
        stars=stars, indicators=indicators, reference=ruleset.reference,
        risk_margin=Decimal(ruleset.risk_margin),
        **({"level_labels": labels} if labels else {}))
    if ruleset.is_published:
        _SPEC_CACHE[key] = spec
    return spec


def _threshold(kind: str, value):
    if value is None:
        return None
    if kind in (ValueKind.NUMBER, ValueKind.PERCENT, ValueKind.COUNT):
        return Decimal(str(value))
    if kind == ValueKind.CHOICE and isinstance(value, list):
        return tuple(value)
    return value


def _indicator_spec(ind: Indicator) -> engine.IndicatorSpec:
    return engine.IndicatorSpec(
        code=ind.code, star=ind.star_id, name=ind.name, kind=ind.kind, role=ind.role,
        comparison=ind.comparison or None, threshold=_threshold(ind.kind, ind.threshold),
        points=ind.points, steps=tuple((Decimal(str(t)), int(p)) for t, p in ind.steps),
        choices=tuple(ind.choices), unit=ind.unit, help=ind.help_text, cadence=ind.cadence,
        combine=ind.combine, min_photos=ind.min_photos, min_documents=ind.min_documents,
        evidence_max_age_months=ind.evidence_max_age_months)


def ruleset_for(division_code: str, year: int) -> RuleSet | None:
    return RuleSet.objects.in_force_for(division_code, year)


Inputs = dict[int, list[engine.EntryInput]]


def cycle_inputs(village_ids: Iterable[int], ruleset: RuleSet, month: date
                 ) -> tuple[Inputs, Inputs, set[int]]:
    """Official (verified) and preview (all but returned) inputs per village for the cycle
    up to `month`, and the villages whose two differ. Two queries for any number of
    villages: the entries (no joins: indicator codes come from a per-rule-set map), and
    their evidence through a subquery rather than a list of ids."""
    indicators = _indicator_map(ruleset)
    entries = Entry.objects.filter(
        village_id__in=list(village_ids), indicator_id__in=list(indicators),
        month__gte=date(ruleset.year, 1, 1), month__lte=month,
    ).exclude(status=EntryStatus.RETURNED)
    rows = list(entries.values_list("id", "village_id", "indicator_id", "month",
                                    "value_number", "value_bool", "value_choice", "carried",
                                    "status"))
    months = {row[0]: row[3] for row in rows}
    evidence: dict[int, list[engine.EvidenceInput]] = defaultdict(list)
    if rows:
        for entry_id, evidence_id, kind in Evidence.objects.filter(
                entry__in=entries.values("id")).values_list("entry_id", "id", "kind"):
            evidence[entry_id].append(engine.EvidenceInput(evidence_id, kind,
                                                           months[entry_id]))
    official: Inputs = defaultdict(list)
    preview: Inputs = defaultdict(list)
    differs: set[int] = set()
    verified = EntryStatus.VERIFIED
    for (entry_id, village_id, indicator_id, month_, number, boolean, choice, carried,
         status) in rows:
        code, kind = indicators[indicator_id]
        value = boolean if kind == ValueKind.BOOL else (choice or None) \
            if kind == ValueKind.CHOICE else number
        item = engine.EntryInput(code, month_, value, carried,
                                 tuple(evidence[entry_id]) if entry_id in evidence else ())
        preview[village_id].append(item)
        if status == verified:
            official[village_id].append(item)
        else:
            differs.add(village_id)
    return official, preview, differs


_INDICATOR_MAPS: dict[tuple, dict[int, tuple[str, str]]] = {}


def _indicator_map(ruleset: RuleSet) -> dict[int, tuple[str, str]]:
    """Indicator id -> (code, kind) for a rule set (cached like its spec once published)."""
    key = (ruleset.pk, ruleset.version, ruleset.status, ruleset.published_at,
           ruleset.created_at)
    cached = _INDICATOR_MAPS.get(key) if ruleset.is_published else None
    if cached is None:
        cached = {pk: (code, kind) for pk, code, kind in
                  Indicator.objects.filter(ruleset=ruleset).values_list("id", "code", "kind")}
        if ruleset.is_published:
            _INDICATOR_MAPS[key] = cached
    return cached


def engine_inputs(village_ids: Iterable[int], ruleset: RuleSet, month: date, *,
                  official: bool) -> Inputs:
    """Each village's entries of the cycle up to `month`, with evidence."""
    verified, everything, _differs = cycle_inputs(village_ids, ruleset, month)
    return verified if official else everything


def evaluate_village(village, month: date, *, official: bool = True
                     ) -> engine.VillageResult | None:
    """The live engine result for one village and month (None: no rule set in force)."""
    ruleset = ruleset_for(village.code, month.year)
    if ruleset is None:
        return None
    inputs = engine_inputs([village.pk], ruleset, month, official=official)
    return engine.evaluate(spec_of(ruleset), inputs.get(village.pk, []), month)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_PLAIN = frozenset({str, int, bool, float, type(None)})


def jsonable(value):
    """Engine dataclasses as JSON: Decimals as strings, dates as ISO, tuples as lists.

    Dispatches on the exact type and skips the call for plain values (a result holds
    ~1,500 values; the generic `dataclasses.is_dataclass` walk cost more than the engine
    itself). Integral Decimals are written without exponent ("100", never "1E+2").
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Decimal:
        if value == value.to_integral_value():
            return str(int(value))
        return str(value.normalize())
    if kind is dict:
        return {str(k): v if type(v) in _PLAIN else jsonable(v) for k, v in value.items()}
    if kind is tuple or kind is list:
        return [v if type(v) in _PLAIN else jsonable(v) for v in value]
    if kind is date:
        return value.isoformat()
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(value):
            return value.isoformat() if isinstance(value, date) else value
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
    data = {}
    for name in names:
        item = getattr(value, name)
        data[name] = item if type(item) in _PLAIN else jsonable(item)
    return data


def result_json(result: engine.VillageResult) -> dict:
    """The JSON stored in Assessment.result: `jsonable(result)`, except that the trace's
    inputs are compact — per indicator, [month, value, carried, [evidence ids]] — since
    they are most of the bytes of a year's result."""
    data = {name: jsonable(getattr(result, name)) for name in _RESULT_FIELDS}
    trace = result.trace
    data["trace"] = {
        "ruleset_id": trace.ruleset_id, "ruleset_version": trace.ruleset_version,
        "month": trace.month.isoformat(),
        "inputs": {code: [[e.month.isoformat(), jsonable(e.value), e.carried,
                           [ev.id for ev in e.evidence]] for e in items]
                   for code, items in trace.inputs.items()},
        "evidence_ids": {code: list(ids) for code, ids in trace.evidence_ids.items()},
        "ignored": list(trace.ignored),
    }
    return data


_RESULT_FIELDS = ("level", "level_label", "stars", "indicators", "gaps", "at_risk",
                  "not_reported")


def _assessment(village_id: int, month: date, kind: str, ruleset: RuleSet,
                result: engine.VillageResult, data: dict | None = None) -> Assessment:
    return Assessment(
        village_id=village_id, month=month, kind=kind, ruleset=ruleset, level=result.level,
        stars="+".join(result.earned_stars),
        scores={code: star.score for code, star in result.stars.items()},
        result=data if data is not None else result_json(result))


def recompute(villages, month: date, *, batch_size: int = 2000,
              progress: Callable[[int, int], None] | None = None) -> int:
    """Evaluate and store official and preview assessments for the villages; returns rows.

    `progress(done, total)` is called after each batch with village counts.
    """
    month = engine.month_start(month)
    by_ruleset: dict[int, list[int]] = defaultdict(list)
    rulesets: dict[int, RuleSet] = {}
    cache: dict[str, RuleSet | None] = {}
    for village_id, code in villages.values_list("id", "code"):
        county = code[:6]
        if county not in cache:
            cache[county] = ruleset_for(code, month.year)
        ruleset = cache[county]
        if ruleset is not None:
            rulesets[ruleset.pk] = ruleset
            by_ruleset[ruleset.pk].append(village_id)
    stored, done, total = 0, 0, sum(len(ids) for ids in by_ruleset.values())
    for ruleset_id, village_ids in by_ruleset.items():
        for start in range(0, len(village_ids), batch_size):
            batch = village_ids[start:start + batch_size]
            stored += _recompute_batch(rulesets[ruleset_id], batch, month)
            done += len(batch)
            if progress is not None:
                progress(done, total)
    return stored


def division_prefix(code: str) -> str:
    """The code prefix of everything under a unit or village given by its division code.

    Accepts the 12-digit code or its significant digits ("410902101" for 岳村镇).
    Raises ValueError when no unit or village has that code.
    """
    from villages.models import AdminUnit, Village

    code = code.strip()
    if not code.isdigit() or len(code) > 12:
        raise ValueError(code)
    unit = AdminUnit.objects.filter(code=code.ljust(12, "0")).first()
    if unit is not None:
        return unit.prefix
    if len(code) == 12 and Village.objects.filter(code=code).exists():
        return code
    raise ValueError(code)


def months_with_entries(prefix: str, year: int | None = None) -> list[date]:
    """Months (ascending) that have entries for villages under the prefix."""
    entries = Entry.objects.filter(village__code__startswith=prefix)
    if year is not None:
        entries = entries.filter(month__year=year)
    return sorted(set(entries.values_list("month", flat=True).distinct()))


def star_report(prefix: str, month: date) -> list[tuple[str, str, int, str]]:
    """(code, name, level, stars) of every village under the prefix, official results.

    Villages without a stored assessment for the month are computed (and stored) first,
    so that the report never shows a stale or missing row as "no star".
    """
    from villages.models import Village

    month = engine.month_start(month)
    villages = Village.objects.filter(code__startswith=prefix).order_by("code")
    stored = dict(Assessment.objects.official().filter(
        village__code__startswith=prefix, month=month).values_list(
        "village_id", "id"))
    missing = villages.exclude(pk__in=list(stored))
    if missing.exists():
        recompute(missing, month)
    results = {v: (level, stars) for v, level, stars in Assessment.objects.official().filter(
        village__code__startswith=prefix, month=month).values_list(
        "village_id", "level", "stars")}
    return [(code, name, *results.get(pk, (0, "")))
            for pk, code, name in villages.values_list("pk", "code", "name")]


def _recompute_batch(ruleset: RuleSet, village_ids: list[int], month: date) -> int:
    spec = spec_of(ruleset)
    official, preview, differs = cycle_inputs(village_ids, ruleset, month)
    rows = []
    for village_id in village_ids:
        result = engine.evaluate(spec, official.get(village_id, ()), month)
        data = result_json(result)
        rows.append(_assessment(village_id, month, AssessmentKind.OFFICIAL, ruleset, result,
                                data))
        if village_id in differs:  # drafts or submitted entries: judge them too
            result = engine.evaluate(spec, preview[village_id], month)
            data = result_json(result)
        rows.append(_assessment(village_id, month, AssessmentKind.PREVIEW, ruleset, result,
                                data))
    with transaction.atomic():
        Assessment.objects.bulk_create(
            rows, batch_size=1000, update_conflicts=True,
            unique_fields=["village", "month", "kind"],
            update_fields=["ruleset", "level", "stars", "scores", "result", "computed_at"])
    assessments_changed.send(sender=Assessment, village_ids=village_ids, month=month)
    return len(rows)


class _QueuedRecompute:
    """An on-commit callback that names its village-month, so duplicates can be spotted."""

    def __init__(self, village_id: int, month: date) -> None:
        self.key = (village_id, month)

    def __call__(self) -> None:
        from scoring.tasks import recompute_village_month

        recompute_village_month.delay(self.key[0], self.key[1].isoformat())


def schedule_recompute(village_id: int, month: date) -> None:
    """Queue a recompute of one village-month once the current transaction commits.

    No de-duplication: the task is idempotent and cheap (one village), and a pending
    callback that is skipped in favour of another is an easy way to lose a recompute.
    """
    transaction.on_commit(_QueuedRecompute(village_id, engine.month_start(month)))
