"""Recompute runs: batches of whole towns with their state, progress, failure, resume and
superseding; the recompute command prints their progress."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from scoring import runs, services
from scoring.models import Assessment, BatchState, RecomputeBatch, RecomputeRun, RunState
from tests.factories import TownFactory, VillageFactory, enter

pytestmark = pytest.mark.django_db
MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


@pytest.fixture
def two_towns(ruleset, town_a, monkeypatch):
    """Town A with two villages, another town with one; one town per batch."""
    monkeypatch.setattr(runs, "BATCH_SIZE", 1)
    villages = [VillageFactory(town=town_a), VillageFactory(town=town_a),
                VillageFactory(town=TownFactory())]
    for village in villages:
        enter(village, ruleset, "cooperatives_led", MARCH, 1)
    return villages


def _stored():
    return sorted(Assessment.objects.values_list("village_id", "month", "kind", "level",
                                                 "stars"))


def test_a_run_counts_its_batches_and_villages_as_they_finish(two_towns):
    run = runs.start("", [MARCH, APRIL], queue=False)
    assert (run.state, run.batches_total, run.villages_total) == (RunState.RUNNING, 4, 6)
    before = runs.progress(run)
    assert (before.percent, before.counts.pending, before.remaining) == (0, 4, None)
    first = RecomputeBatch.objects.filter(run=run).order_by("position").first()
    assert runs.run_batch(first.pk) is True
    halfway = runs.progress(run)
    assert halfway.counts.done == 1 and halfway.counts.villages_done == 2
    assert halfway.percent == 25 and halfway.remaining is not None
    runs.execute_in_process(run)
    after = runs.progress(run)
    assert run.state == RunState.DONE and run.finished_at is not None
    assert (after.percent, after.counts.villages_done, run.batches_done) == (100, 6, 4)
    assert Assessment.objects.count() == 12  # 3 villages × 2 months × official/preview


def test_a_redelivered_batch_stores_nothing_twice(two_towns):
    run = runs.start("", [MARCH], queue=False)
    batch = RecomputeBatch.objects.filter(run=run).first()
    assert runs.run_batch(batch.pk) is True
    stamps = list(Assessment.objects.values_list("computed_at", flat=True))
    assert runs.run_batch(batch.pk) is False
    assert list(Assessment.objects.values_list("computed_at", flat=True)) == stamps
    assert RecomputeBatch.objects.get(pk=batch.pk).attempts == 1


def test_a_batch_that_fails_for_good_fails_the_run_and_a_resume_finishes_it(
        two_towns, monkeypatch):
    judge = services._judge_and_store
    broken = {two_towns[2].pk}

    def flaky(ruleset_id, village_ids, month):
        if broken & set(village_ids):
            raise RuntimeError("database went away")
        return judge(ruleset_id, village_ids, month)

    monkeypatch.setattr(services, "_judge_and_store", flaky)
    run = runs.start("", [MARCH], queue=False)
    runs.execute_in_process(run)
    assert run.state == RunState.FAILED
    assert "1" in run.error and "database went away" in run.error
    assert (run.batches_done, run.batches_failed) == (1, 1)
    assert not Assessment.objects.filter(village=two_towns[2]).exists()

    broken.clear()
    done_before = RecomputeBatch.objects.get(run=run, state=BatchState.DONE)
    runs.reopen(run)
    assert run.state == RunState.RUNNING
    runs.execute_in_process(run)
    assert run.state == RunState.DONE and run.error == ""
    assert Assessment.objects.filter(village=two_towns[2]).count() == 2
    # Only the missing batch ran again.
    assert RecomputeBatch.objects.get(pk=done_before.pk).attempts == 1


def test_a_later_run_over_the_same_villages_supersedes_the_earlier(two_towns, town_a):
    earlier = runs.start("", [MARCH], queue=False)
    later = runs.start(town_a.prefix, [MARCH, APRIL], queue=False)
    earlier.refresh_from_db()
    assert earlier.state == RunState.SUPERSEDED and earlier.error
    runs.execute_in_process(earlier)  # its queued batches arrive after all
    assert set(RecomputeBatch.objects.filter(run=earlier).values_list("state", flat=True)) \
        == {BatchState.SKIPPED}
    assert earlier.state == RunState.SUPERSEDED and not Assessment.objects.exists()
    runs.execute_in_process(later)
    assert later.state == RunState.DONE


def test_runs_over_other_villages_or_months_go_on_side_by_side(two_towns, town_a):
    first = runs.start(town_a.prefix, [MARCH], queue=False)
    runs.start(two_towns[2].code[:9], [MARCH], queue=False)
    runs.start(town_a.prefix, [APRIL], queue=False)
    first.refresh_from_db()
    assert first.state == RunState.RUNNING


def test_queued_runs_complete_on_the_worker(two_towns, django_capture_on_commit_callbacks):
    # Tasks run in-process here (eager), through the same queueing as on a real broker.
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start("", [MARCH])
    run.refresh_from_db()
    assert run.state == RunState.DONE and Assessment.objects.count() == 6


def test_the_command_prints_plain_progress_lines_when_not_on_a_terminal(two_towns):
    out = io.StringIO()
    call_command("recompute", month="2026-03", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("重算任务") and "2 个批次" in lines[0]
    assert [line.split(" / ")[0] for line in lines[1:3]] == ["1", "2"]
    assert "\r" not in out.getvalue() and "完成" in lines[-1]


def test_the_command_covers_months_whose_entries_were_all_deleted(two_towns, town_a):
    runs.execute_in_process(runs.start("", [MARCH], queue=False))
    from scoring.progress.models import Entry
    Entry.objects.filter(village__town=town_a).delete()
    assert services.months_to_recompute(town_a.prefix, 2026) == [MARCH]
    assert services.months_with_entries(town_a.prefix, 2026) == []


def test_a_failed_run_is_reported_and_resumed_by_command(two_towns, monkeypatch):
    monkeypatch.setattr(services, "_judge_and_store",
                        lambda *a: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(CommandError, match="boom"):
        call_command("recompute", month="2026-03", stdout=io.StringIO())
    monkeypatch.undo()
    run = RecomputeRun.objects.get()
    call_command("resume_recompute", run.pk, stdout=io.StringIO())
    run.refresh_from_db()
    assert run.state == RunState.DONE
    assert _stored() and len(_stored()) == 6
