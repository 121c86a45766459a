"""Bulk recompute: what is stored, grouped engine inputs, and the forked worker pool."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from scoring import engine, resultjson, runs, services, storage
from scoring.dashboards.models import UnitMonthSummary, VillageStatus
from scoring.models import Assessment
from tests.factories import TownFactory, VillageFactory, enter
from villages.models import Village

MARCH = date(2026, 3, 1)


def _without_trace(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "trace"}


@pytest.mark.django_db
def test_the_stored_result_is_the_live_result_with_a_slim_trace(ruleset, village_a):
    enter(village_a, ruleset, "collective_income", MARCH, 60000)
    enter(village_a, ruleset, "cooperatives_led", MARCH, 2)
    enter(village_a, ruleset, "road_hardening", date(2026, 1, 1), 4000)
    enter(village_a, ruleset, "road_hardening", MARCH, Decimal("2500.5"))
    services.recompute(Village.objects.all(), MARCH)
    stored = Assessment.objects.official().get(village=village_a, month=MARCH).result
    live = services.jsonable(services.evaluate_village(village_a, MARCH))
    assert _without_trace(stored) == _without_trace(live)
    assert stored["indicators"]["collective_income"]["value"] == "60000"
    # The stored trace is slim: the inputs are the indicators' values and evidence ids.
    assert stored["indicators"]["road_hardening"]["value"] == "6500.5"
    assert set(stored["trace"]) == {"ruleset_id", "ruleset_version", "month", "ignored"}
    assert stored["trace"]["ruleset_id"] == ruleset.pk
    assert stored["trace"]["month"] == "2026-03-01"


@pytest.mark.django_db
def test_a_second_recompute_replaces_the_stored_rows(ruleset, village_a):
    entry = enter(village_a, ruleset, "cooperatives_led", MARCH, 0)
    services.recompute(Village.objects.all(), MARCH)
    before = Assessment.objects.official().get(village=village_a, month=MARCH)
    entry.set_value(2, "count")
    entry.save()
    assert services.recompute(Village.objects.all(), MARCH) == 2
    after = Assessment.objects.official().get(village=village_a, month=MARCH)
    assert after.pk == before.pk
    assert after.result["indicators"]["cooperatives_led"]["value"] == "2"
    assert before.result["indicators"]["cooperatives_led"]["value"] == "0"
    assert after.computed_at >= before.computed_at


@pytest.mark.django_db
def test_grouped_inputs_judge_exactly_like_a_flat_list(ruleset, village_a):
    enter(village_a, ruleset, "meetings_held", date(2026, 2, 1), True)
    enter(village_a, ruleset, "meetings_held", date(2026, 1, 1), True)
    enter(village_a, ruleset, "criminal_cases", MARCH, 1, status="draft")
    enter(village_a, ruleset, "member_points_rate", MARCH, 95)
    spec = services.spec_of(ruleset)
    official, preview, differs = services.cycle_inputs([village_a.pk], ruleset, MARCH)
    assert differs == {village_a.pk: {"criminal_cases"}}
    assert [e.month.month for e in preview[village_a.pk]["meetings_held"]] == [1, 2]
    flat = services.engine_inputs([village_a.pk], ruleset, MARCH, official=False)
    judged = engine.evaluate(spec, flat[village_a.pk], MARCH)
    assert engine.evaluate_grouped(spec, preview[village_a.pk], MARCH) == judged
    assert "criminal_cases" not in official[village_a.pk]
    # The preview judged from the official result, re-judging only the changed indicator.
    base = engine.evaluate_grouped(spec, official[village_a.pk], MARCH)
    assert not base.indicators["criminal_cases"].veto_hit
    assert engine.evaluate_grouped(spec, preview[village_a.pk], MARCH, like=base,
                                   changed={"criminal_cases"}) == judged
    assert judged.indicators["criminal_cases"].veto_hit


@pytest.mark.django_db
def test_a_run_stores_every_batch_and_dashboards_hear_once(ruleset, town_a, monkeypatch):
    towns = [town_a, TownFactory(), TownFactory()]
    villages = [VillageFactory(town=towns[n // 2]) for n in range(5)]  # 2 + 2 + 1
    for village in villages:
        enter(village, ruleset, "cooperatives_led", MARCH, 1)
    enter(villages[0], ruleset, "collective_income", MARCH, 90000, status="draft")
    monkeypatch.setattr(runs, "BATCH_SIZE", 2)
    heard = []
    services.assessments_changed.connect(
        lambda sender, scope, **kw: heard.append(scope), weak=False, dispatch_uid="t")
    try:
        run = runs.start("", [MARCH], queue=False)
        seen = []
        runs.execute_in_process(run, on_batch=lambda r: seen.append(
            runs.progress(r).counts.villages_done))
    finally:
        services.assessments_changed.disconnect(dispatch_uid="t")
    assert run.state == "done" and (run.batches_total, run.batches_done) == (3, 3)
    assert seen == [2, 4, 5]
    assert heard.count("units") == 1
    assert Assessment.objects.filter(month=MARCH).count() == 10
    assert VillageStatus.objects.filter(month=MARCH).count() == 10
    county = UnitMonthSummary.objects.get(prefix=town_a.code[:6], month=MARCH, kind="official")
    assert (county.villages, county.assessed) == (5, 5)
    assert sorted(UnitMonthSummary.objects.filter(depth=9, month=MARCH, kind="preview")
                  .values_list("assessed", flat=True)) == [1, 2, 2]
    preview = Assessment.objects.preview().get(village=villages[0], month=MARCH)
    official = Assessment.objects.official().get(village=villages[0], month=MARCH)
    assert preview.result["indicators"]["collective_income"]["reported"] is True
    assert official.result["indicators"]["collective_income"]["reported"] is False


def test_decimals_are_stored_without_exponents():
    assert resultjson.jsonable([Decimal("1E+2"), Decimal("72.50"), date(2026, 3, 1)]) == \
        ["100", "72.5", "2026-03-01"]


@pytest.mark.django_db
def test_a_preview_without_drafts_stores_the_official_result(
        ruleset, village_a, village_b):
    enter(village_a, ruleset, "cooperatives_led", MARCH, 2)
    enter(village_b, ruleset, "cooperatives_led", MARCH, 2)
    enter(village_b, ruleset, "collective_income", MARCH, 50000, status="submitted")
    services.recompute(Village.objects.all(), MARCH)
    rows = {(a.village_id, a.kind): a for a in Assessment.objects.filter(month=MARCH)}
    assert rows[village_a.pk, "preview"].result == rows[village_a.pk, "official"].result
    assert rows[village_a.pk, "preview"].scores == rows[village_a.pk, "official"].scores
    assert rows[village_b.pk, "preview"].result != rows[village_b.pk, "official"].result


@pytest.mark.django_db
def test_results_are_stored_as_json_compressed_with_lz4_where_the_server_has_it(
        ruleset, village_a):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    enter(village_a, ruleset, "cooperatives_led", MARCH, 2)
    services.recompute(Village.objects.all(), MARCH)  # results of ~17 kB: compressed
    with connection.cursor() as cursor:
        cursor.execute("SELECT format_type(atttypid, atttypmod), attcompression "
                       "FROM pg_attribute WHERE attname = 'result' "
                       "AND attrelid = 'scoring_assessment'::regclass")
        column_type, compression = cursor.fetchone()
        cursor.execute("SELECT DISTINCT pg_column_compression(result) "
                       "FROM scoring_assessment")
        stored_with = {method for (method,) in cursor.fetchall()}
        assert column_type == "json"
        if storage.has_lz4(cursor):
            assert compression == "l"
            assert stored_with == {"lz4"}


@pytest.mark.django_db
def test_many_statuses_are_stored_and_replaced_through_copy(ruleset, town_a):
    from scoring.dashboards import summaries
    villages = VillageFactory.create_batch(60, town=town_a)  # 120 statuses: the COPY path
    for n, village in enumerate(villages):
        enter(village, ruleset, "cooperatives_led", MARCH, n % 3)
    services.recompute(Village.objects.all(), MARCH)
    enter(villages[0], ruleset, "collective_income", MARCH, 150000)
    services.recompute(Village.objects.all(), MARCH)  # a second time: updates
    stored = {(s.village_id, s.kind): (s.code, s.level, s.stars, s.total_score, s.scores,
                                       s.distance, s.gaps)
              for s in VillageStatus.objects.filter(month=MARCH)}
    expected = {(s.village_id, s.kind): (s.code, s.level, s.stars, s.total_score, s.scores,
                                         s.distance, s.gaps)
                for s in (summaries.status_from(*row) for row in summaries._assessment_rows(
                    Assessment.objects.filter(month=MARCH)))}
    assert len(stored) == 120
    assert stored == expected
    assert stored[villages[0].pk, "official"][4]["industry"] > 0


@pytest.mark.django_db
def test_the_evidence_read_leaves_the_planner_as_it_found_it(ruleset, village_a,
                                                             village_b):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    enter(village_a, ruleset, "cooperatives_led", MARCH, 1)
    with transaction.atomic():
        services.cycle_inputs([village_a.pk, village_b.pk], ruleset, MARCH)  # bulk read
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_hashjoin")
            assert cursor.fetchone()[0] == "on"


def _town_summaries(month) -> dict:
    return {(s.prefix, s.kind): (s.villages, s.assessed, s.level_counts, s.star_counts,
                                 s.gap_counts)
            for s in UnitMonthSummary.objects.filter(month=month, depth=9)}


@pytest.mark.django_db
def test_town_counts_from_a_batch_in_memory_equal_counts_read_back(ruleset, town_a):
    from scoring.dashboards import summaries
    other = TownFactory()
    villages = [VillageFactory(town=town) for town in (town_a, town_a, town_a, other)]
    for n, village in enumerate(villages):
        enter(village, ruleset, "cooperatives_led", MARCH, n)
        enter(village, ruleset, "collective_income", MARCH, 40000 * n, status="draft")
    services.recompute(Village.objects.all(), MARCH)  # whole towns: counted in memory
    # Part of town A only: its other villages must still be counted (read back).
    enter(villages[0], ruleset, "road_hardening", MARCH, 5000)
    services.recompute(Village.objects.filter(pk=villages[0].pk), MARCH)
    counted = _town_summaries(MARCH)
    summaries.rebuild(MARCH)  # every count read back from the stored statuses
    assert counted == _town_summaries(MARCH)
    assert counted[town_a.prefix, "official"][:2] == (3, 3)
