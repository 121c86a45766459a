"""The embedded default: a portal started any way can queue work, and `make run`'s
launcher stops the portal, the worker and beat together within 10 seconds.

Both run real processes on the embedded defaults (SQLite, Kombu's filesystem broker), in a
temporary directory, with the environment's PostgreSQL and Redis taken away."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

EMBEDDED_ONLY = ("DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER")


def _embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in EMBEDDED_ONLY}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "WUXING_BROKER_DIR": str(tmp_path / "broker"),
                "WUXING_MEDIA_ROOT": str(tmp_path / "media"),
                "PYTHONUNBUFFERED": "1"})
    return env


def test_a_task_queues_where_no_broker_folder_was_made_beforehand(tmp_path):
    # Started from another directory, as a WSGI server or `manage.py shell` would be.
    script = ("import django; django.setup(); from wuxing.celery import app; "
              "app.send_task('scoring.tasks.recompute_village_month', args=[1, '2026-01'])")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path,
                          env={**_embedded_env(tmp_path), "PYTHONPATH": str(settings.BASE_DIR)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    queued = [p for p in (tmp_path / "broker").iterdir() if p.is_file()]
    assert len(queued) == 1 and queued[0].suffix == ".msg"
    # The transport's control folder stays with the broker, not in the current directory.
    assert not (tmp_path / "control").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        # a zombie is gone for every purpose but its parent's
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"):
            continue
        alive.append(pid)
    return alive


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = Path(f"/proc/{parent}/task/{parent}/children")
        kids = [int(k) for k in children.read_text().split()] if children.exists() else []
        found += kids
        frontier += kids
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_ctrl_c_on_the_launcher_stops_portal_worker_and_beat_within_ten_seconds(tmp_path):
    env = _embedded_env(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                   cwd=settings.BASE_DIR, env=env, check=True, timeout=300)
    port = _free_port()
    log = tmp_path / "launcher.log"
    with open(log, "w") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "wuxing.launcher", "--address", f"127.0.0.1:{port}",
             "--run-dir", str(tmp_path / "run")],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (_answers(f"http://127.0.0.1:{port}/accounts/login/")
                   and "ready." in log.read_text()):
            assert launcher.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        family = _descendants(launcher.pid)
        assert len(family) >= 4  # worker (+ its pool), beat, runserver and its child

        started = time.monotonic()
        launcher.send_signal(signal.SIGINT)
        launcher.wait(timeout=15)
        while _alive(family) and time.monotonic() - started < 15:
            time.sleep(0.1)
        assert not _alive(family), log.read_text()[-3000:]
        assert time.monotonic() - started < 10
        assert launcher.returncode == 0
    finally:
        if launcher.poll() is None:
            launcher.kill()
        for pid in _alive(_descendants(launcher.pid)):
            os.kill(pid, signal.SIGKILL)
