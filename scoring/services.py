"""Between the database and the pure engine: load rows in bulk, evaluate, store.

The engine (scoring/engine.py) never touches the ORM. Here a rule set becomes an
engine spec, a village's cycle of entries and evidence becomes engine inputs (two
queries for any number of villages), and results are stored as Assessment rows, one
official (verified entries) and one preview (all entries) per village and month.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
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

_SPEC_CACHE: dict[tuple[int, int, str], engine.RuleSetSpec] = {}


def spec_of(ruleset: RuleSet) -> engine.RuleSetSpec:
    """The engine spec of a rule set; published ones are immutable, so cached."""
    key = (ruleset.pk, ruleset.version, ruleset.status)
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


def engine_inputs(village_ids: Iterable[int], ruleset: RuleSet, month: date, *,
                  official: bool) -> dict[int, list[engine.EntryInput]]:
    """Each village's entries of the cycle up to `month`, with evidence: two queries."""
    entries = Entry.objects.filter(village_id__in=list(village_ids),
                                   indicator__ruleset=ruleset).for_cycle(ruleset.year, month)
    entries = entries.verified() if official else entries.exclude(
        status=EntryStatus.RETURNED)
    rows = list(entries.values_list("id", "village_id", "indicator__code", "indicator__kind",
                                    "month", "value_number", "value_bool", "value_choice",
                                    "carried"))
    evidence = defaultdict(list)
    for entry_id, evidence_id, kind, month_ in Evidence.objects.filter(
            entry_id__in=[r[0] for r in rows]).values_list("entry_id", "id", "kind",
                                                            "entry__month"):
        evidence[entry_id].append(engine.EvidenceInput(evidence_id, kind, month_))
    by_village: dict[int, list[engine.EntryInput]] = defaultdict(list)
    for entry_id, village_id, code, kind, month_, number, boolean, choice, carried in rows:
        value = boolean if kind == ValueKind.BOOL else (choice or None) \
            if kind == ValueKind.CHOICE else number
        by_village[village_id].append(engine.EntryInput(
            code, month_, value, carried, tuple(evidence.get(entry_id, ()))))
    return by_village


def evaluate_village(village, month: date, *, official: bool = True
                     ) -> engine.VillageResult | None:
    """The live engine result for one village and month (None: no rule set in force)."""
    ruleset = ruleset_for(village.code, month.year)
    if ruleset is None:
        return None
    inputs = engine_inputs([village.pk], ruleset, month, official=official)
    return engine.evaluate(spec_of(ruleset), inputs.get(village.pk, []), month)


def jsonable(value):
    """Engine dataclasses as JSON: Decimals as strings, dates as ISO, tuples as lists."""
    if dataclasses.is_dataclass(value):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _assessment(village_id: int, month: date, kind: str, ruleset: RuleSet,
                result: engine.VillageResult) -> Assessment:
    return Assessment(
        village_id=village_id, month=month, kind=kind, ruleset=ruleset, level=result.level,
        stars="+".join(result.earned_stars),
        scores={code: star.score for code, star in result.stars.items()},
        result=jsonable(result))


def recompute(villages, month: date, *, batch_size: int = 2000) -> int:
    """Evaluate and store official and preview assessments for the villages; returns rows."""
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
    stored = 0
    for ruleset_id, village_ids in by_ruleset.items():
        for start in range(0, len(village_ids), batch_size):
            stored += _recompute_batch(rulesets[ruleset_id],
                                       village_ids[start:start + batch_size], month)
    return stored


def _recompute_batch(ruleset: RuleSet, village_ids: list[int], month: date) -> int:
    spec = spec_of(ruleset)
    rows = []
    for kind, official in ((AssessmentKind.OFFICIAL, True), (AssessmentKind.PREVIEW, False)):
        inputs = engine_inputs(village_ids, ruleset, month, official=official)
        rows += [_assessment(v, month, kind, ruleset,
                             engine.evaluate(spec, inputs.get(v, []), month))
                 for v in village_ids]
    with transaction.atomic():
        Assessment.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["village", "month", "kind"],
            update_fields=["ruleset", "level", "stars", "scores", "result", "computed_at"])
    assessments_changed.send(sender=Assessment, village_ids=village_ids, month=month)
    return len(rows)


def schedule_recompute(village_id: int, month: date) -> None:
    """Queue a recompute of one village-month once the current transaction commits."""
    from scoring.tasks import recompute_village_month

    transaction.on_commit(lambda: recompute_village_month.delay(village_id,
                                                                month.isoformat()))
