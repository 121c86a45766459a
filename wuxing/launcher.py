"""`make run`'s supervisor: the portal, the Celery worker and beat, stopped together.

Each child runs in a session of its own, so Ctrl-C reaches only this process, which then
stops every child in order: SIGTERM first (the worker finishes a running task, beat saves
its schedule, runserver's reloader takes its child along), and whatever is still alive
after the grace period gets SIGKILL on its whole process group. A shell `trap 'kill 0'`
did this before, and left the worker in a warm shutdown for minutes and runserver alive.

    python -m wuxing.launcher [--grace SECONDS] [--address HOST:PORT]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

# Worst case from Ctrl-C to all processes gone: GRACE + KILL_WAIT (under the 10 s promised).
GRACE = 6.0
KILL_WAIT = 2.0


def commands(python: str, address: str, run_dir: str) -> list[tuple[str, list[str]]]:
    celery = [python, "-m", "celery", "-A", "wuxing"]
    return [
        ("worker", [*celery, "worker", "--loglevel=info", "--concurrency=2"]),
        ("beat", [*celery, "beat", "--loglevel=info",
                  "--schedule", os.path.join(run_dir, "celerybeat-schedule")]),
        ("web", [python, "manage.py", "runserver", address]),
    ]


def start(named: Sequence[tuple[str, list[str]]]) -> dict[str, subprocess.Popen]:
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "true")}
    return {name: subprocess.Popen(argv, env=env, start_new_session=True)
            for name, argv in named}


def signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def wait_all(children: dict[str, subprocess.Popen], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(child.poll() is not None for child in children.values()):
            return True
        time.sleep(0.1)
    return False


# Who gets the first SIGTERM: the worker's and beat's main process stops its own pool
# (a signal to the pool processes would kill running tasks), runserver's reloader would
# leave its serving child behind, so the whole group.
TERM_WHOLE_GROUP = {"web"}


def stop(children: dict[str, subprocess.Popen], grace: float) -> None:
    for name, child in children.items():
        if name in TERM_WHOLE_GROUP:
            signal_group(child, signal.SIGTERM)
        elif child.poll() is None:
            child.terminate()
    if wait_all(children, grace):
        return
    for name, child in children.items():
        if child.poll() is None:
            print(f"launcher: {name} did not stop within {grace:.0f} s, killing it",
                  file=sys.stderr, flush=True)
        # The whole group: a worker's pool processes or runserver's reloaded child too.
        signal_group(child, signal.SIGKILL)
    wait_all(children, KILL_WAIT)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grace", type=float, default=GRACE)
    parser.add_argument("--address", default="127.0.0.1:8000")
    parser.add_argument("--run-dir", default=".run")
    args = parser.parse_args(argv)

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    os.makedirs(args.run_dir, exist_ok=True)
    children = start(commands(sys.executable, args.address, args.run_dir))
    try:
        while not stopping:
            ended = [name for name, child in children.items() if child.poll() is not None]
            if ended:
                print(f"launcher: {', '.join(ended)} exited; stopping the others",
                      file=sys.stderr, flush=True)
                break
            time.sleep(0.2)
    finally:
        stop(children, args.grace)
    print("launcher: portal, worker and beat stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
