"""Every request gets an id (the proxy's when sane), echoed in X-Request-ID; log lines
carry it with the user id, unit code and duration, as JSON when configured; Celery tasks
queued in the request log the same ids; slow requests get a warning line."""

import json
import logging

import pytest
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.urls import reverse

from wuxing.ops import logs

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_lines(caplog):
    # The request logger does not propagate to the root, where caplog listens.
    logger = logging.getLogger("wuxing.requests")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="wuxing.requests")
    yield caplog
    logger.removeHandler(caplog.handler)


def _json_line(record) -> dict:
    logs.ContextFilter().filter(record)
    return json.loads(logs.JsonFormatter().format(record))


def test_a_valid_proxy_request_id_is_kept_and_echoed(client):
    response = client.get(reverse("login"), headers={"X-Request-ID": "abc-123-def-456"})
    assert response["X-Request-ID"] == "abc-123-def-456"


def test_an_invalid_request_id_is_replaced(client):
    response = client.get(reverse("login"), headers={"X-Request-ID": "bad id\n<script>"})
    assert len(response["X-Request-ID"]) == 32 and "<" not in response["X-Request-ID"]
    assert client.get(reverse("login"))["X-Request-ID"] != response["X-Request-ID"]


def test_the_request_line_names_the_request_user_unit_and_duration(
        client, official_a, town_a, request_lines):
    client.force_login(official_a)
    response = client.get(reverse("villages:list"), headers={"X-Request-ID": "req-00000001"})
    record = next(r for r in request_lines.records if r.name == "wuxing.requests")
    line = _json_line(record)
    assert line["request_id"] == response["X-Request-ID"] == "req-00000001"
    assert line["user_id"] == str(official_a.pk)
    assert line["unit_code"] == town_a.prefix
    assert line["status"] == 200 and isinstance(line["duration_ms"], int)
    assert line["path"] == reverse("villages:list")


def test_a_request_above_the_threshold_logs_a_slow_line(client, settings, request_lines):
    settings.WUXING_SLOW_REQUEST_MS = 0
    client.get(reverse("login"))
    slow = [r for r in request_lines.records if getattr(r, "slow", False)]
    assert slow and slow[0].levelno == logging.WARNING


def test_a_fast_request_logs_no_slow_line(client, settings, request_lines):
    settings.WUXING_SLOW_REQUEST_MS = 60_000
    client.get(reverse("login"))
    assert not [r for r in request_lines.records if getattr(r, "slow", False)]


class _Request:
    def __init__(self, headers):
        self.headers = headers


class _Task:
    def __init__(self, headers):
        self.request = _Request(headers)


def test_a_task_queued_in_a_request_logs_with_the_requests_ids():
    token = logs._context.set({"request_id": "req-00000042", "user_id": "7",
                               "unit_code": "410902101"})
    headers = {}
    try:
        before_task_publish.send(sender="scoring.tasks.x", headers=headers, body=())
    finally:
        logs._context.reset(token)
    assert logs.current()["request_id"] == ""  # back outside the request
    task = _Task(headers)  # what the worker reads from the message
    task_prerun.send(sender=task, task_id="t-1", task=task)
    try:
        line = _json_line(logging.makeLogRecord({"msg": "task ran"}))
    finally:
        task_postrun.send(sender=task, task_id="t-1", task=task)
    assert {"request_id": "req-00000042", "user_id": "7",
            "unit_code": "410902101"}.items() <= line.items()
    assert logs.current()["request_id"] == ""


def test_a_task_without_a_request_logs_its_task_id():
    task = _Task({})
    task_prerun.send(sender=task, task_id="beat-task-0001", task=task)
    try:
        assert logs.current()["request_id"] == "beat-task-0001"
    finally:
        task_postrun.send(sender=task, task_id="beat-task-0001", task=task)
