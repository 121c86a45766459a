"""The month-end peak as a locust load, run as a library in its own process:

    python -m tests.bench.peak_load CONFIG.json RESULT.json

Its own process because locust patches the standard library for gevent, which the test
process (Django, psycopg2, pytest) must not see. CONFIG names the server, the users
(session cookies with the URLs of their village or town) and the phases; RESULT holds per phase and
endpoint the requests, failures, req/s and p50/p95/p99. Each phase is bounded in time
and in requests.
"""

from gevent import monkey

monkey.patch_all()

import contextlib  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, between, constant, task  # noqa: E402
from locust.clients import HttpSession  # noqa: E402
from locust.env import Environment  # noqa: E402

VERSION = re.compile(r'name="version" value="(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SAVED = "已保存"


class Portal(HttpUser):
    """A logged-in user of the portal; subclasses say what they do."""

    abstract = True
    people: itertools.cycle  # set per class from the config
    mix = "peak"

    def on_start(self) -> None:
        self.me = next(self.people)
        name, value = self.me["cookie"].split("=", 1)
        self.client.cookies.set(name, value)
        self.anonymous = HttpSession(self.host, self.environment.events.request, self)

    def login_page(self) -> None:
        self.anonymous.get("/accounts/login/", name="login page")

    def month_page(self) -> str:
        response = self.client.get(self.me["month_url"], name="month page")
        token = response.cookies.get(self.me["csrf_cookie"])
        if token:  # set Secure (production is behind TLS); the load runs over plain HTTP
            self.client.cookies.set(self.me["csrf_cookie"], token)
        return response.text if response.ok else ""

    def star_card(self) -> None:
        self.client.get(self.me["card_url"], name="star card")


class Official(Portal):
    """A town official entering the village's figures: mostly saves."""

    weight = 5

    def on_start(self) -> None:
        super().on_start()
        self.version, self.token = 0, ""
        self._read_month()

    def _read_month(self) -> None:
        page = self.month_page()
        found = re.search(rf'id="ind-{self.me["indicator"]}".*?{VERSION.pattern}', page, re.S)
        token = CSRF.search(page)
        if found and token:
            self.version, self.token = int(found.group(1)), token.group(1)

    @task(3)
    def save(self) -> None:
        if self.mix not in ("peak", "save"):
            return self._other()
        with self.client.post(self.me["save_url"], name="entry save", catch_response=True,
                              headers={"HX-Request": "true"},
                              data={"value": str(random.randint(60, 100)),
                                    "version": str(self.version),
                                    "csrfmiddlewaretoken": self.token}) as response:
            found = VERSION.search(response.text or "")
            if response.ok and SAVED in response.text and found:
                self.version = int(found.group(1))
                response.success()
            else:
                said = re.search(r'entry-error"[^>]*>([^<]*)', response.text or "")
                response.failure(f"not saved ({response.status_code}): "
                                 f"{said.group(1) if said else ''}")
                self._read_month()

    @task(2)
    def read(self) -> None:
        if self.mix == "peak":
            self._read_month()
        else:
            self._other()

    @task(1)
    def card_or_login(self) -> None:
        if self.mix == "peak":
            random.choice((self.star_card, self.login_page))()
        else:
            self._other()

    def _other(self) -> None:
        """The one endpoint a phase measures alone."""
        if self.mix == "login":
            self.login_page()
        elif self.mix == "month":
            self.month_page()
        elif self.mix == "save":
            self.save()


class Secretary(Portal):
    """A village Party secretary following the village's month and star card."""

    weight = 3

    @task(2)
    def month(self) -> None:
        self.month_page()

    @task(2)
    def card(self) -> None:
        self.star_card()

    @task(1)
    def login(self) -> None:
        self.login_page()


class Leader(Portal):
    """A town leader watching the town dashboard."""

    weight = 1

    @task(3)
    def town(self) -> None:
        self.client.get(self.me["town_url"], name="town dashboard")

    @task(1)
    def month(self) -> None:
        self.month_page()

    @task(1)
    def login(self) -> None:
        self.login_page()


def _cpu_seconds(config: dict) -> dict[str, dict[int, float]]:
    """CPU seconds so far per process of each tier: gunicorn and the Celery worker
    (with their children), and the PostgreSQL backends connected to the database."""
    import psutil

    def tree(pid: int) -> dict[int, float]:
        try:
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return {}
        return {p.pid: sum(p.cpu_times()[:2]) for p in processes if p.is_running()}

    database = {}
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if f" {config['database']} " in f"{cmdline} ":
            with contextlib.suppress(psutil.NoSuchProcess):
                database[process.pid] = sum(process.cpu_times()[:2])
    return {"web": tree(config["gunicorn"]), "worker": tree(config["celery"]),
            "database": database}


def _cpu_delta(before: dict, after: dict) -> dict[str, float]:
    return {tier: sum(seconds - before[tier].get(pid, 0.0)
                      for pid, seconds in after[tier].items()) for tier in after}


def _stats(env: Environment, wall: float) -> dict:
    rows = {}
    for entry in env.stats.entries.values():
        rows[entry.name] = {
            "requests": entry.num_requests, "failures": entry.num_failures,
            "rps": entry.num_requests / wall,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99)}
    return rows


def run_phase(host: str, phase: dict, people: dict, cpu: dict) -> dict:
    classes = [Official] if phase["mix"] in ("save", "month", "login") else \
        [Official, Secretary, Leader]
    wait = constant(0) if phase["think"] == [0, 0] else between(*phase["think"])
    for cls, key in ((Official, "officials"), (Secretary, "secretaries"),
                     (Leader, "leaders")):
        # Officials from the phase's own offset: a save still in flight when the last
        # phase ended must not make this phase's first save stale.
        mine = people[key][phase.get("offset", 0):] if key == "officials" else people[key]
        cls.people, cls.mix, cls.wait_time, cls.host = \
            itertools.cycle(mine), phase["mix"], wait, host
    env = Environment(user_classes=classes, host=host)
    runner = env.create_local_runner()
    runner.start(phase["users"], spawn_rate=phase["users"])
    gevent.sleep(phase.get("warmup", 3))  # every user started and warm
    env.stats.reset_all()
    cpu_before = _cpu_seconds(cpu)
    started = time.monotonic()
    deadline = started + phase["seconds"]
    while time.monotonic() < deadline and env.stats.total.num_requests < phase["max_requests"]:
        gevent.sleep(0.2)
    wall = time.monotonic() - started
    cpu_used = _cpu_delta(cpu_before, _cpu_seconds(cpu))
    result = _stats(env, wall)
    errors = {f"{e.name}: {e.error}": e.occurrences for e in env.stats.errors.values()}
    runner.quit()
    gevent.sleep(2)  # requests cut off by the quit finish on the server
    return {"name": phase["name"], "users": phase["users"], "seconds": wall,
            "endpoints": result, "cpu": cpu_used, "errors": errors}


def main(config_path: str, result_path: str) -> None:
    with open(config_path) as f:
        config = json.load(f)
    results = [run_phase(config["host"], phase, config["people"], config["cpu"])
               for phase in config["phases"]]
    with open(result_path, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:3])
