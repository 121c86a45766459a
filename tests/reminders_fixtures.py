"""Shared fixtures of the reminder and notification tests: a town with its star working
groups, WeCom and DingTalk mocked by a local HTTP server (tests/webhook_stub.py), and a
fake source of missing entries."""

import json
import threading
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from scoring.reminders import sources
from scoring.stars import StarCode
from tests.webhook_stub import divert
from villages.models import GroupKind, WorkingGroup


@dataclass
class WebhookServer:
    """A local HTTP server standing in for WeCom/DingTalk: records every request and
    answers with the queued responses (then {"errcode": 0})."""

    wecom: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    dingtalk: str = "https://oapi.dingtalk.com/robot/send?access_token=t"
    port: int = 0
    requests: list = field(default_factory=list)
    answers: list = field(default_factory=list)  # (status, json body, headers)
    connections: list = field(default_factory=list)  # where the sender meant to connect

    def answer(self, status=200, body=None, times=1, headers=None):
        self.answers += [(status, body if body is not None else {"errcode": 0},
                          headers or {})] * times


@pytest.fixture
def webhook():
    state = WebhookServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            parts = urlsplit(self.path)
            state.requests.append({"path": parts.path, "query": parse_qs(parts.query),
                                   "json": body, "host": self.headers.get("Host")})
            status, answer, headers = (state.answers.pop(0) if state.answers
                                       else (200, {"errcode": 0}, {}))
            payload = json.dumps(answer).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.port = server.server_address[1]
    undo = divert(state.port, state.connections)
    yield state
    undo()
    server.shutdown()
    server.server_close()


@pytest.fixture
def star_groups(town_a, village_a, official_a, leader_a):
    """Town A's five star working groups: official A in the industry group, leader A
    leading them all (and town leader)."""
    official_a.email = "official@example.com"
    official_a.save()
    leader_a.email = "leader@example.com"
    leader_a.save()
    groups = {}
    for star in StarCode.values:
        group = WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star=star,
                                            name=f"甲镇{StarCode(star).label}专班",
                                            leader=leader_a)
        group.villages.add(village_a)
        groups[star] = group
    groups[StarCode.INDUSTRY].members.add(official_a)
    return groups


@pytest.fixture
def missing(monkeypatch):
    """Replace the source of missing entries: `missing.set(group, [(village, status)])`
    for the month of November 2026 (other months: nothing missing)."""

    class Fake:
        by_group: dict = {}

        def set(self, group, villages_statuses, month=date(2026, 11, 1)):
            self.by_group[(month, group.pk)] = [
                sources.MissingItem(v.pk, v.name, group.star, status)
                for v, status in villages_statuses]

        def __call__(self, town_ids, month):
            self.calls.append((town_ids, month))
            return {gid: items for (m, gid), items in self.by_group.items()
                    if items and m == month}

    fake = Fake()
    fake.by_group = {}
    fake.calls = []
    monkeypatch.setattr(sources, "missing_by_group", fake)
    return fake


def mails_to(address):
    from django.core import mail
    return [m for m in mail.outbox if m.to == [address]]


def committed():
    """Run the on-commit callbacks (the queued delivery tasks) registered inside, as the
    test's own transaction never commits."""
    from django.test import TestCase
    return TestCase.captureOnCommitCallbacks(execute=True)


def run_dispatch(day, **kwargs):
    from scoring.reminders.dispatch import dispatch
    with committed():
        return dispatch(day, **kwargs)
