"""Between the database and the pure engine: load rows in bulk, evaluate, store.

The engine (scoring/engine/) never touches the ORM. Here a rule set becomes an
engine spec, a village's cycle of entries and evidence becomes engine inputs (two
queries for any number of villages), and results are stored as Assessment rows, one
official (verified entries) and one preview (all entries) per village and month.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import attrgetter

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from scoring import engine, resultjson, storage
from scoring.models import (
    Assessment,
    AssessmentKind,
    Indicator,
    PendingRecompute,
    RuleSet,
    ValueKind,
)
from scoring.progress.models import Entry, EntryStatus, Evidence
from scoring.resultjson import jsonable  # noqa: F401  (callers import it from here)
from wuxing import queueing

# Sent after assessments were stored, with kwargs `village_ids` (list[int]), `month` (date)
# and `scope`. A recompute sends it once per batch with scope "villages" and `results`
# ((village id, kind) -> engine result), so that per-village read models need not read
# the stored JSON back, and once at its end with scope "units" and every village, for
# what sums over many villages (batches may run side by side in worker processes).
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
    if ruleset.format_version >= 2:
        spec = _spec_from_file(ruleset)
    else:
        spec = _spec_v1(ruleset)
    if ruleset.is_published:
        _SPEC_CACHE[key] = spec
    return spec


def _spec_from_file(ruleset: RuleSet) -> engine.RuleSetSpec:
    """Format 2: the rows written as the file and parsed, so rows mean what files mean."""
    from scoring import rulefile, rulesets

    text, _origin = rulesets.rows_to_yaml(*rulesets.rows_of(ruleset))
    return rulefile.parse_ruleset(text, ruleset_id=ruleset.pk)


def _spec_v1(ruleset: RuleSet) -> engine.RuleSetSpec:
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
# Village id -> indicator code -> the cycle's entries ordered by month (engine.evaluate_grouped).
Grouped = dict[int, dict[str, list[engine.EntryInput]]]


def cycle_inputs(village_ids: Iterable[int], ruleset: RuleSet, month: date
                 ) -> tuple[Grouped, Grouped, dict[int, set[str]]]:
    """Official (verified) and preview (all but returned) inputs per village for the cycle
    up to `month`, grouped by indicator, and for the villages whose two differ, the
    indicators with unverified entries. Two queries for any number of villages: the
    entries (no joins: indicator codes come from a per-rule-set map), and their evidence
    through a subquery rather than a list of ids."""
    village_ids = list(village_ids)
    indicators = _indicator_map(ruleset)
    entries = Entry.objects.filter(
        village_id__in=village_ids, indicator_id__in=list(indicators),
        month__gte=date(ruleset.year, 1, 1), month__lte=month,
    ).exclude(status=EntryStatus.RETURNED).order_by()  # the model's ordering joins villages
    rows = entries.values_list("id", "village_id", "indicator_id", "month", "value_number",
                               "value_bool", "value_choice", "carried", "status")
    evidence = _evidence_of(entries, bulk=len(village_ids) > 1)
    official: Grouped = defaultdict(dict)
    preview: Grouped = defaultdict(dict)
    differs: dict[int, set[str]] = defaultdict(set)
    verified, bool_kind, choice_kind = EntryStatus.VERIFIED, ValueKind.BOOL, ValueKind.CHOICE
    EntryInput, no_evidence = engine.EntryInput, ()
    for (entry_id, village_id, indicator_id, month_, number, boolean, choice, carried,
         status) in rows:
        code, kind = indicators[indicator_id]
        value = boolean if kind == bool_kind else (choice or None) \
            if kind == choice_kind else number
        item = EntryInput(code, month_, value, carried, evidence.get(entry_id, no_evidence))
        by_code = preview[village_id]
        if code in by_code:
            by_code[code].append(item)
        else:
            by_code[code] = [item]
        if status == verified:
            by_code = official[village_id]
            if code in by_code:
                by_code[code].append(item)
            else:
                by_code[code] = [item]
        else:
            differs[village_id].add(code)
    for grouped in (official, preview):
        for by_code in grouped.values():
            for items in by_code.values():
                if len(items) > 1:
                    items.sort(key=_BY_MONTH)
    return official, preview, differs


_BY_MONTH = attrgetter("month")


def _evidence_of(entries, *, bulk: bool) -> dict[int, tuple[engine.EvidenceInput, ...]]:
    """Entry id -> the entry's evidence as engine inputs (one query)."""
    found: dict[int, list[engine.EvidenceInput]] = defaultdict(list)
    EvidenceInput = engine.EvidenceInput
    query = Evidence.objects.filter(entry__in=entries.values("id")).order_by().values_list(
        "entry_id", "id", "kind", "entry__month")
    with _probing_indexes(bulk and connection.vendor == "postgresql"):
        for entry_id, evidence_id, kind, month in query:
            found[entry_id].append(EvidenceInput(evidence_id, kind, month))
    return {entry_id: tuple(items) for entry_id, items in found.items()}


# A batch's evidence is a few thousand rows of a table of millions, reached through the
# entry index; depending on its statistics the planner hash-joined it against a scan of
# the whole evidence table, in parallel workers, for every batch (a province run took
# twice as long). A nested loop over the entry_id index is 5x faster there and as fast as
# the best plan for a county's 90,000 entries. Pages reading one village keep the planner
# as it is (and their pinned query counts).
_NESTED_LOOPS = ("enable_hashjoin", "enable_mergejoin", "max_parallel_workers_per_gather")
_SET = "; ".join(f"SET LOCAL {name} TO 0" for name in _NESTED_LOOPS)  # off / no workers
_RESET = "; ".join(f"SET LOCAL {name} TO DEFAULT" for name in _NESTED_LOOPS)


@contextmanager
def _probing_indexes(active: bool):
    """Within a transaction of its own, have PostgreSQL join by probing indexes."""
    if not active:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_SET)
        yield
        # Back to the defaults for the rest of an enclosing transaction (after an error
        # the savepoint's rollback undoes the settings anyway).
        cursor.execute(_RESET)


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
    grouped = verified if official else everything
    return {village_id: [entry for items in by_code.values() for entry in items]
            for village_id, by_code in grouped.items()}


# Village id -> the engine's keyword inputs beyond the entries: facts and history.
Context = dict[int, dict[str, dict]]


def village_context(spec: engine.RuleSetSpec, village_ids: Iterable[int],
                    year: int) -> Context:
    """Facts and earlier-cycle levels of the villages, in bulk, when the rule set uses
    them (format 2); none for format 1, so its queries stay as they were.

    An earlier cycle's level is the number of stars awarded then and still active.
    """
    ids = list(village_ids)
    needs_facts = any(ind.formula or ind.threshold_for for ind in spec.indicators)
    context: Context = {pk: {} for pk in ids}
    if needs_facts:
        from villages.models import Village

        for village in Village.objects.filter(pk__in=ids).only(
                "population", "households", "poor_households", "area_km2", "category"):
            context[village.pk]["facts"] = village.facts()
    if spec.history_rules:
        context.update(_history(ids, year, context))
    return context


def _history(ids: list[int], year: int, context: Context) -> Context:
    from django.db.models import Count

    from scoring.reviews.models import Award

    for pk in ids:
        context[pk]["history"] = {}
    rows = (Award.objects.active().filter(village_id__in=ids, cycle__year__lt=year)
            .values_list("village_id", "cycle__year").annotate(stars=Count("id")))
    for village_id, cycle_year, stars in rows:
        context[village_id]["history"][cycle_year] = stars
    return context


def evaluate_for(spec: engine.RuleSetSpec, village, entries, month: date
                 ) -> engine.VillageResult:
    """engine.evaluate for one village, with its facts and history when the rules use them."""
    return engine.evaluate(spec, entries, month,
                           **village_context(spec, [village.pk], month.year)[village.pk])


def evaluate_village(village, month: date, *, official: bool = True
                     ) -> engine.VillageResult | None:
    """The live engine result for one village and month (None: no rule set in force)."""
    ruleset = ruleset_for(village.code, month.year)
    if ruleset is None:
        return None
    inputs = engine_inputs([village.pk], ruleset, month, official=official)
    return evaluate_for(spec_of(ruleset), village, inputs.get(village.pk, []), month)


def recompute(villages, month: date, *, batch_size: int = 250,
              progress: Callable[[int, int], None] | None = None) -> int:
    """Evaluate and store official and preview assessments for the villages in this
    process; returns rows. Batches of whole towns, about `batch_size` villages each, each
    its own transaction; `progress(done, total)` is called after each with village counts.

    For a county or more, start a run instead (scoring/runs.py): its batches are spread
    over the Celery workers of every machine.
    """
    month = engine.month_start(month)
    batches = [(ruleset.pk, ids, month)
               for ruleset, villages_of_ruleset in villages_by_ruleset(villages, month.year)
               for ids in town_batches(villages_of_ruleset, batch_size)]
    total = sum(len(ids) for _r, ids, _m in batches)
    stored_ids: list[int] = []
    rows = 0
    try:
        for batch in batches:
            rows += _recompute_batch(batch)
            stored_ids.extend(batch[1])
            if progress is not None:
                progress(len(stored_ids), total)
    finally:
        if stored_ids:
            assessments_changed.send(sender=Assessment, village_ids=stored_ids, month=month,
                                     scope="units")
    return rows


def town_batches(villages: list[tuple[int, str]], size: int) -> list[list[int]]:
    """Village ids (given in code order) cut into batches that never split a town, so
    that no two workers ever recount the same town."""
    batches: list[list[int]] = [[]]
    town = None
    for village_id, code in villages:
        if len(batches[-1]) >= size and code[:9] != town:
            batches.append([])
        batches[-1].append(village_id)
        town = code[:9]
    return [batch for batch in batches if batch]


def villages_by_ruleset(villages, year: int) -> list[tuple[RuleSet, list[tuple[int, str]]]]:
    """(id, code) of the villages in code order, grouped by the rule set in force for
    them (none: left out)."""
    by_ruleset: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rulesets: dict[int, RuleSet] = {}
    cache: dict[str, RuleSet | None] = {}
    for village_id, code in villages.order_by("code").values_list("id", "code"):
        county = code[:6]
        if county not in cache:
            cache[county] = ruleset_for(code, year)
        ruleset = cache[county]
        if ruleset is not None:
            rulesets[ruleset.pk] = ruleset
            by_ruleset[ruleset.pk].append((village_id, code))
    return [(rulesets[pk], ids) for pk, ids in by_ruleset.items()]


def _division_digits(code: str) -> str:
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 12:
        raise ValueError(code)
    return code


def division_unit(code: str):
    """The administrative unit given by its division code, or None when none has it.

    Accepts the 12-digit code or its significant digits ("410902101" for 岳村镇): the one
    reading of a typed division code for every command. ValueError when it is no code.
    """
    from villages.models import AdminUnit

    return AdminUnit.objects.filter(code=_division_digits(code).ljust(12, "0")).first()


def division_prefix(code: str) -> str:
    """The code prefix of everything under a unit or village given by its division code
    (read as `division_unit` reads it). Raises ValueError when nothing has that code."""
    from villages.models import Village

    unit = division_unit(code)
    if unit is not None:
        return unit.prefix
    code = _division_digits(code)
    if len(code) == 12 and Village.objects.filter(code=code).exists():
        return code
    raise ValueError(code)


def months_with_entries(prefix: str, year: int | None = None) -> list[date]:
    """Months (ascending) that have entries for villages under the prefix."""
    entries = Entry.objects.filter(village__code__startswith=prefix)
    if year is not None:
        entries = entries.filter(month__year=year)
    return sorted(set(entries.values_list("month", flat=True).distinct()))


def months_to_recompute(prefix: str, year: int) -> list[date]:
    """Months of the cycle with entries or with stored results under the prefix: a month
    whose entries were all deleted still has results to correct."""
    stored = (Assessment.objects.under(prefix).filter(month__year=year)
              .values_list("month", flat=True).distinct())
    return sorted(set(months_with_entries(prefix, year)) | set(stored))


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


def _recompute_batch(batch: tuple[int, list[int], date]) -> int:
    with no_gc():
        return _judge_and_store(*batch)


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory).

    A batch allocates a few million small objects and frees them all at the end; the
    collector, triggered over and over by those allocations, found nothing to collect and
    cost as much as reading the entries (no cycles are built)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _judge_and_store(ruleset_id: int, village_ids: list[int], month: date) -> int:
    ruleset = RuleSet.objects.select_related("issuer").get(pk=ruleset_id)
    spec = spec_of(ruleset)
    official, preview, differs = cycle_inputs(village_ids, ruleset, month)
    context = village_context(spec, village_ids, month.year)
    rows, results = [], {}
    for village_id in village_ids:
        extra = context[village_id]
        result = engine.evaluate_grouped(spec, official.get(village_id, {}), month, **extra)
        results[village_id, AssessmentKind.OFFICIAL] = result
        data = resultjson.result_bytes(result)
        rows.append(storage.row(village_id, month, AssessmentKind.OFFICIAL, ruleset.pk,
                                result, data))
        if village_id in differs:  # drafts or submitted entries: judge them too
            result = engine.evaluate_grouped(spec, preview[village_id], month, like=result,
                                             changed=differs[village_id], **extra)
            data = resultjson.result_bytes(result)
        results[village_id, AssessmentKind.PREVIEW] = result
        rows.append(storage.row(village_id, month, AssessmentKind.PREVIEW, ruleset.pk,
                                result, data))
    with transaction.atomic():
        storage.derived_data_commit()
        storage.upsert(rows)
        assessments_changed.send(sender=Assessment, village_ids=village_ids, month=month,
                                 results=results, scope="villages")
    return len(rows)


class _QueuedRecompute:
    """An on-commit callback that names its village-month, so duplicates can be spotted."""

    def __init__(self, village_id: int, month: date) -> None:
        self.key = (village_id, month)

    def __call__(self) -> bool:
        return queueing.send("scoring.tasks.recompute_village_month", self.key[0],
                             self.key[1].isoformat())


def schedule_recompute(village_id: int, month: date) -> None:
    """Mark the village-month stale in the current transaction, queue its recompute once
    the transaction commits.

    No de-duplication: the task is idempotent and cheap (one village), and a pending
    callback that is skipped in favour of another is an easy way to lose a recompute.
    """
    month = engine.month_start(month)
    PendingRecompute.objects.mark(village_id, month)
    transaction.on_commit(_QueuedRecompute(village_id, month))


def recompute_marked(village_id: int, month: date) -> int:
    """Recompute one village-month and clear the mark it had when it started; nothing
    when no mark is left (0)."""
    from villages.models import Village

    marked_at = PendingRecompute.objects.read(village_id, month)
    if marked_at is None:
        # A recompute that started after the change was committed (its mark is written
        # in the change's transaction) covered it and cleared the mark: the saves of one
        # village-month queued while the worker was busy cost one recompute, not one each.
        return 0
    count = recompute(Village.objects.filter(pk=village_id), month)
    PendingRecompute.objects.clear(village_id, month, marked_at)
    return count


# A mark older than this whose recompute has not cleared it lost its task (or the broker
# was down); the sweep queues it again at most once per SWEEP_REQUEUE_AFTER.
SWEEP_QUIET = timedelta(minutes=2)
SWEEP_REQUEUE_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 5000


def queue_stale_recomputes(now: datetime | None = None) -> int:
    """Queue the recomputes whose marks were left behind; the number queued."""
    now = now or timezone.now()
    due = list(PendingRecompute.objects.due_for_sweep(now, SWEEP_QUIET, SWEEP_REQUEUE_AFTER)
               .order_by("marked_at").values_list("pk", "village_id", "month")[:SWEEP_BATCH])
    queued = [pk for pk, village_id, month in due if _QueuedRecompute(village_id, month)()]
    PendingRecompute.objects.filter(pk__in=queued).update(swept_at=now)
    return len(queued)
