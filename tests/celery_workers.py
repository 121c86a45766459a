"""Real Celery worker processes for integration tests and benchmarks: they use the test
database and the configured Redis, and tasks are published there instead of being run in
the test process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_for(condition: Callable[[], bool], seconds: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail("timed out" + (f"; worker log:\n{log.read_text()[-3000:]}" if log else ""))


class Workers:
    """Start workers with `start(name, concurrency)`; `stop_all()` ends every one."""

    def __init__(self, logs: Path, **env: str) -> None:
        self.logs = logs
        self.env = {**os.environ, "DATABASE_URL": _database_url(),
                    "REDIS_URL": settings.REDIS_URL, "CELERY_TASK_ALWAYS_EAGER": "false",
                    "PYTHONUNBUFFERED": "1", **env}
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, concurrency: int = 1) -> tuple[subprocess.Popen, Path]:
        log = self.logs / f"{name}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "wuxing", "worker",
                 "-c", str(concurrency), "-l", "info", "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=settings.BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.started.append(process)
        wait_for(lambda: "ready." in log.read_text(), 120, log)
        return process, log

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for process in self.started:
            self.stop(process)


def publish_to_broker():
    """A context of the test: tasks go to the real broker, not in-process."""
    from wuxing.celery import app
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    return app
