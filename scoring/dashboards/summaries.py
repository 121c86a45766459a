"""Keep `VillageStatus` and `UnitMonthSummary` in step with the stored assessments.

Towns are counted from their villages' status rows; counties, cities and the province
are sums of their children's summaries, so refreshing after a recompute touches a
town's few dozen rows and a handful of summaries, whatever the size of the province.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr

from scoring import storage
from scoring.engine import STAR_CODES
from scoring.models import Assessment, AssessmentKind
from villages.models import AdminUnit, Village

from . import cache
from .models import UnitMonthSummary, VillageStatus

TOWN, COUNTY, CITY, PROVINCE = 9, 6, 4, 2
PARENT_DEPTH = {TOWN: COUNTY, COUNTY: CITY, CITY: PROVINCE}
CHILD_DEPTH = {PROVINCE: CITY, CITY: COUNTY, COUNTY: TOWN}
KINDS = (AssessmentKind.OFFICIAL, AssessmentKind.PREVIEW)
STATUS_FIELDS = ["code", "level", "stars", "total_score", "scores", "distance", "gaps"]


def status_from(village_id: int, code: str, month: date, kind: str, level: int,
                stars: str, scores: dict, gaps: list | None) -> VillageStatus:
    """The slim status of one assessment: scores, and per unearned star its distance."""
    gaps = gaps or []
    return VillageStatus(
        village_id=village_id, code=code, month=month, kind=kind, level=level, stars=stars,
        total_score=sum(int(v) for v in (scores or {}).values()), scores=scores or {},
        distance={g["star"]: int(g.get("total_changes") or len(g.get("changes", [])))
                  for g in gaps},
        gaps={g["star"]: [c["indicator"] for c in g.get("changes", [])] for g in gaps})


def status_of_result(village_id: int, code: str, month: date, kind: str,
                     result) -> VillageStatus:
    """`status_from` for an engine result still in memory."""
    scores = {star: item.score for star, item in result.stars.items()}
    return VillageStatus(
        village_id=village_id, code=code, month=month, kind=kind, level=result.level,
        stars="+".join(result.earned_stars), total_score=sum(scores.values()), scores=scores,
        distance={g.star: g.total_changes or len(g.changes) for g in result.gaps},
        gaps={g.star: [c.indicator for c in g.changes] for g in result.gaps})


def _assessment_rows(assessments):
    return assessments.values_list("village_id", "village__code", "month", "kind", "level",
                                   "stars", "scores", "result__gaps")


def store_statuses(statuses: list[VillageStatus]) -> None:
    if connection.vendor == "postgresql" and len(statuses) > 100:
        fields = ["village_id", "month", "kind", *STATUS_FIELDS]
        storage.copy_upsert(VillageStatus, fields,
                            [tuple(getattr(s, f) for f in fields) for s in statuses],
                            unique=["village_id", "month", "kind"])
        return
    VillageStatus.objects.bulk_create(
        statuses, batch_size=2000, update_conflicts=True,
        unique_fields=["village", "month", "kind"], update_fields=STATUS_FIELDS)


def _counts(rows: Iterable[tuple[int, str, dict]]) -> dict:
    """Level, star and gap counts of (level, stars, gaps) rows."""
    levels, stars = Counter(), Counter()
    gaps: dict[str, Counter] = defaultdict(Counter)
    assessed = 0
    for level, earned, held_back in rows:
        assessed += 1
        levels[str(level)] += 1
        stars.update(earned.split("+") if earned else [])
        for star, indicators in held_back.items():
            gaps[star].update(indicators)
    return {"assessed": assessed,
            "level_counts": {str(lv): levels[str(lv)] for lv in range(6)},
            "star_counts": {s: stars[s] for s in STAR_CODES},
            "gap_counts": {s: dict(gaps[s]) for s in STAR_CODES if gaps[s]}}


def _merge(summaries: Iterable[UnitMonthSummary]) -> dict:
    total = {"villages": 0, "assessed": 0, "level_counts": Counter(), "star_counts": Counter()}
    gaps: dict[str, Counter] = defaultdict(Counter)
    for s in summaries:
        total["villages"] += s.villages
        total["assessed"] += s.assessed
        total["level_counts"].update(s.level_counts)
        total["star_counts"].update(s.star_counts)
        for star, counts in s.gap_counts.items():
            gaps[star].update(counts)
    total["level_counts"] = {str(lv): total["level_counts"][str(lv)] for lv in range(6)}
    total["star_counts"] = {s: total["star_counts"][s] for s in STAR_CODES}
    total["gap_counts"] = {s: dict(gaps[s]) for s in STAR_CODES if gaps[s]}
    return total


SUMMARY_FIELDS = ["depth", "villages", "assessed", "level_counts", "star_counts",
                  "gap_counts"]


def _store_summaries(rows: list[UnitMonthSummary]) -> set[str]:
    """Store the rows that differ from the stored ones; returns their prefixes, whose
    pages (and their parents' pages, which list them) must be recomputed."""
    if not rows:
        return set()
    stored = {(prefix, kind): values for prefix, kind, *values in
              UnitMonthSummary.objects.filter(
                  month=rows[0].month, prefix__in={r.prefix for r in rows})
              .values_list("prefix", "kind", *SUMMARY_FIELDS)}
    changed = [r for r in rows if stored.get((r.prefix, r.kind))
               != [getattr(r, f) for f in SUMMARY_FIELDS]]
    UnitMonthSummary.objects.bulk_create(
        changed, batch_size=2000, update_conflicts=True,
        unique_fields=["prefix", "month", "kind"], update_fields=SUMMARY_FIELDS)
    return {r.prefix for r in changed}


def _pages_of_summaries(prefixes: set[str]) -> set[str]:
    """A summary shows on its own unit's page and, as a row, on its parent's."""
    return prefixes | {p[:PARENT_DEPTH[len(p)]] for p in prefixes if len(p) in PARENT_DEPTH}


def _prefix_filter(field: str, prefixes: Iterable[str]) -> Q:
    """Codes starting with any of the (digit) prefixes, as ranges: `code >= "410101"
    AND code < "410102"` uses the code indexes, where LIKE '410101%' does not outside the
    C collation (every batch of a province recompute scanned all its statuses)."""
    condition = Q(pk__in=[])
    for prefix in sorted(prefixes):
        upper = str(int(prefix) + 1).zfill(len(prefix))
        condition |= Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})
    return condition


def _village_counts(prefixes: set[str] | None) -> dict[str, int]:
    villages = Village.objects.all()
    if prefixes is not None:
        villages = villages.filter(_prefix_filter("code", prefixes))
    return dict(villages.annotate(town_prefix=Substr("code", 1, TOWN)).values("town_prefix")
                .order_by().annotate(n=Count("id")).values_list("town_prefix", "n"))


def refresh_towns(month: date, prefixes: set[str] | None = None,
                  stored: list[VillageStatus] | None = None) -> tuple[set[str], set[str]]:
    """Recount the towns' summaries from status rows (all towns when prefixes is None);
    returns the towns counted and the pages to recompute because a summary changed.

    `stored`: statuses just stored; when they are every village's of these towns (a bulk
    recompute's batch of whole towns), they are counted as they are, not read back.
    """
    villages = _village_counts(prefixes)
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for code, kind, level, stars, gaps in (
            ((s.code, s.kind, s.level, s.stars, s.gaps) for s in stored)
            if stored is not None and _every_village(stored, villages)
            else _status_rows(month, prefixes)):
        grouped[(code[:TOWN], kind)].append((level, stars, gaps))
    towns = set(villages) | {town for town, _kind in grouped}
    rows = []
    for town in towns:
        for kind in KINDS:
            rows.append(UnitMonthSummary(prefix=town, depth=TOWN, month=month, kind=kind,
                                         villages=villages.get(town, 0),
                                         **_counts(grouped.get((town, kind), []))))
    return towns, _pages_of_summaries(_store_summaries(rows))


def _status_rows(month: date, prefixes: set[str] | None):
    # Both kinds named, so that the (month, kind, code) index is searched by code too.
    statuses = VillageStatus.objects.filter(month=month, kind__in=KINDS)
    if prefixes is not None:
        statuses = statuses.filter(_prefix_filter("code", prefixes))
    return statuses.values_list("code", "kind", "level", "stars", "gaps")


def _every_village(statuses: list[VillageStatus], villages: dict[str, int]) -> bool:
    """Whether the statuses are both kinds of every village of the towns counted."""
    per_town = Counter((s.code[:TOWN], s.kind) for s in statuses)
    return len({s.code for s in statuses}) * len(KINDS) == len(statuses) and all(
        per_town[(town, kind)] == n for town, n in villages.items() for kind in KINDS)


def refresh_parents(month: date, child_prefixes: set[str], child_depth: int) -> set[str]:
    """Sum the children's summaries into their parents, up to the province; returns the
    pages to recompute because a parent's summary changed."""
    pages: set[str] = set()
    while child_depth in PARENT_DEPTH:
        depth = PARENT_DEPTH[child_depth]
        parents = {p[:depth] for p in child_prefixes}
        children = UnitMonthSummary.objects.filter(
            _prefix_filter("prefix", parents), month=month, depth=child_depth)
        grouped: dict[tuple[str, str], list] = defaultdict(list)
        for summary in children:
            grouped[(summary.prefix[:depth], summary.kind)].append(summary)
        pages |= _pages_of_summaries(_store_summaries(
            [UnitMonthSummary(prefix=parent, depth=depth, month=month, kind=kind,
                              **_merge(rows)) for (parent, kind), rows in grouped.items()]))
        child_prefixes, child_depth = parents, depth
    return pages


@transaction.atomic
def refresh(village_ids: list[int], month: date, results: dict | None = None, *,
            units: bool = True) -> None:
    """After assessments of these villages and month were stored: statuses, then sums.

    `results` ((village id, kind) -> engine result, as the recompute just built them)
    spares reading the stored results back. `units=False` stops at the villages' towns:
    a bulk recompute refreshes the units above them once, at its end (`refresh_units`),
    since workers running side by side would race on the same county's sums.
    Only the pages whose rows changed are bumped (cache.py).
    """
    if results is not None:
        codes = dict(Village.objects.filter(pk__in=village_ids).values_list("pk", "code"))
        statuses = [status_of_result(village_id, codes[village_id], month, kind, result)
                    for (village_id, kind), result in results.items()]
    else:
        statuses = [status_from(*row) for row in _assessment_rows(
            Assessment.objects.filter(village_id__in=village_ids, month=month))]
    pages = _changed_status_pages(village_ids, month, statuses)
    store_statuses(statuses)
    towns = {s.code[:TOWN] for s in statuses}
    if towns:
        if units:
            pages |= refresh_towns(month, towns | _towns_without_summary(towns, month))[1]
            pages |= refresh_parents(month, towns, TOWN)
        else:
            pages |= refresh_towns(month, towns, stored=statuses)[1]
    _bump_now_and_on_commit(pages)


def _changed_status_pages(village_ids: list[int], month: date,
                          statuses: list[VillageStatus]) -> set[str]:
    """The towns whose village rows change, and the county pools (pairing suggestions)
    where a village's level or stars change; read before the new statuses are stored."""
    before = {(village_id, kind): values for village_id, kind, *values in
              VillageStatus.objects.filter(village_id__in=village_ids, month=month)
              .values_list("village_id", "kind", *STATUS_FIELDS)}
    pages = set()
    for status in statuses:
        old = before.get((status.village_id, status.kind))
        new = [getattr(status, f) for f in STATUS_FIELDS]
        if old != new:
            pages.add(status.code[:TOWN])
            if old is None or old[1:3] != new[1:3]:  # level, stars
                pages.add(cache.pool(status.code))
    return pages


@transaction.atomic
def refresh_units(village_ids: list[int], month: date) -> None:
    """The units above these villages' towns, once their towns are up to date."""
    towns = {code[:TOWN] for code in Village.objects.filter(pk__in=village_ids)
             .values_list("code", flat=True)}
    if towns:
        pages: set[str] = set()
        missing = _towns_without_summary(towns, month)
        if missing:
            pages |= refresh_towns(month, missing)[1]
        pages |= refresh_parents(month, towns | missing, TOWN)
        if len(village_ids) > 1:
            # A bulk recompute (a rule set published, a month closed, the command) may
            # change what the pages show beside the rows compared here, such as the
            # rule set's indicator names: every page of its towns and above, once.
            pages |= {t[:n] for t in towns for n in (TOWN, COUNTY, CITY, PROVINCE)}
            pages |= {cache.pool(t) for t in towns}
        _bump_now_and_on_commit(pages)


def _bump_now_and_on_commit(scopes: set[str]) -> None:
    # Now for readers in this transaction; again after commit, so that a page computed
    # by another request from the not yet committed state is never served afterwards.
    if scopes:
        cache.bump_scopes(scopes)
        transaction.on_commit(lambda: cache.bump_scopes(scopes))


def _towns_without_summary(towns: set[str], month: date) -> set[str]:
    """Sibling towns with no summary yet this month: counted so that the county's
    village total includes their villages."""
    counties = {t[:COUNTY] for t in towns}
    siblings = set(AdminUnit.objects.towns().filter(_prefix_filter("code", counties))
                   .values_list("code", flat=True))
    known = set(UnitMonthSummary.objects.filter(
        _prefix_filter("prefix", counties), month=month, depth=TOWN)
        .values_list("prefix", flat=True))
    return {code[:TOWN] for code in siblings} - known - towns


def rebuild(month: date | None = None) -> int:
    """Rebuild every status and summary (of one month, or of all months); returns months."""
    months = [month] if month else sorted(set(
        Assessment.objects.values_list("month", flat=True).distinct()))
    for current in months:
        with transaction.atomic():
            VillageStatus.objects.filter(month=current).delete()
            UnitMonthSummary.objects.filter(month=current).delete()
            batch = []
            for row in _assessment_rows(Assessment.objects.filter(month=current)).iterator(
                    chunk_size=2000):
                batch.append(status_from(*row))
                if len(batch) >= 2000:
                    store_statuses(batch)
                    batch = []
            store_statuses(batch)
            towns = refresh_towns(current)[0]
            refresh_parents(current, towns, TOWN)
            # Everything was rebuilt: every page of every level, and the pools.
            scopes = {t[:n] for t in towns for n in (TOWN, COUNTY, CITY, PROVINCE)}
            _bump_now_and_on_commit(scopes | {cache.pool(t) for t in towns})
    return len(months)
