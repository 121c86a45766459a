"""Integration: a recompute run over two towns on real Celery workers, Redis and
PostgreSQL. A worker killed with SIGKILL while storing a batch loses nothing and doubles
nothing: the batch is delivered again to the next worker and the run completes once,
with results equal to a serial recompute. Skips without the services; fails under CI."""

import os
import signal
import time
from datetime import date

import pytest
from django.db import connection, connections

from scoring import runs, services
from scoring.models import Assessment, BatchState, RecomputeBatch, RecomputeRun, RunState
from tests.celery_workers import Workers, publish_to_broker, wait_for
from tests.conftest import need_service
from tests.factories import TownFactory, VillageFactory, enter
from tests.scoring.reminders.test_celery_worker import _redis_available
from villages.models import Village

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
MARCH = date(2026, 3, 1)
VISIBILITY = 4  # seconds: how soon Redis hands a dead worker's task to another


@pytest.fixture
def workers(transactional_db, tmp_path):
    need_service(connection.vendor == "postgresql",
                 "the run worker test needs PostgreSQL (DATABASE_URL)")
    need_service(_redis_available(), "the run worker test needs Redis (REDIS_URL)")
    app = publish_to_broker()
    started = Workers(tmp_path, WUXING_BROKER_VISIBILITY_TIMEOUT=str(VISIBILITY))
    yield started
    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    started.stop_all()


def _run_state(pk: int) -> str:
    return RecomputeRun.objects.values_list("state", flat=True).get(pk=pk)


def _stored() -> dict:
    return {(a.village_id, a.kind): (a.level, a.stars, a.result)
            for a in Assessment.objects.filter(month=MARCH)}


def _blocked_on_lock(pid_of_lock_holder: int) -> bool:
    # A backend of the worker waits for the row the test holds.
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND %s = ANY(pg_blocking_pids(pid))", [pid_of_lock_holder])
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(ruleset, town_a, workers):
    towns = [town_a, TownFactory(parent=town_a.parent)]
    villages = [VillageFactory(town=towns[n % 2]) for n in range(6)]
    for n, village in enumerate(villages):
        enter(village, ruleset, "collective_income", MARCH, 40000 + 20000 * n)
        enter(village, ruleset, "cooperatives_led", MARCH, n % 3)
    services.recompute(Village.objects.all(), MARCH)
    # The entries' own recomputes were published too: only the run's batches may reach
    # the worker, so that the batch it is killed in is the run's.
    publish_to_broker().control.purge()
    expected = _stored()
    Assessment.objects.update(level=0, stars="", result={})  # the run must store again

    # Another connection holds one stored row of the first town: its batch judges all its
    # villages, then waits inside its transaction to store them.
    held = connections.create_connection("default")
    held.set_autocommit(False)
    first_town_village = next(v for v in villages if v.town_id == towns[0].pk)
    with held.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        holder = cursor.fetchone()[0]
        cursor.execute("SELECT 1 FROM scoring_assessment WHERE village_id = %s FOR UPDATE",
                       [first_town_village.pk])

    monkey = pytest.MonkeyPatch()
    monkey.setattr(runs, "BATCH_SIZE", 1)  # one batch per town
    try:
        run = runs.start(town_a.parent.prefix, [MARCH])
    finally:
        monkey.undo()
    assert run.batches_total == 2
    first, log = workers.start("first")
    try:
        wait_for(lambda: _blocked_on_lock(holder), 60, log)
        os.killpg(first.pid, signal.SIGKILL)  # mid-batch: the batch is not acknowledged
        first.wait(timeout=10)
        # Redis hands the task on once it has been out longer than the visibility timeout;
        # a worker looks for such tasks when it starts (and every 100 s after).
        time.sleep(VISIBILITY + 1)
    finally:
        held.rollback()
        held.close()

    _second, log = workers.start("second")
    wait_for(lambda: _run_state(run.pk) != RunState.RUNNING, 90, log)
    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error
    batches = list(RecomputeBatch.objects.filter(run=run))
    assert {batch.state for batch in batches} == {BatchState.DONE}
    assert [batch.attempts for batch in batches] == [1, 1]  # the killed try left nothing
    assert _stored() == expected


