"""Request ids and structured logs.

One middleware (`RequestLogMiddleware`) gives every request an id (the proxy's
X-Request-ID when it is a sane token, else a new one), echoes it in the response, logs
one line per request with the user, unit code and duration, and a warning above
WUXING_SLOW_REQUEST_MS. One filter (`ContextFilter`) puts the ids on every log record,
so any logger's lines carry them. Celery tasks queued during the request carry the ids
in their headers and log with them on the worker.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_postrun,
    task_prerun,
)
from django.conf import settings

logger = logging.getLogger("wuxing.requests")

_EMPTY = {"request_id": "", "user_id": "", "unit_code": ""}
_context: contextvars.ContextVar[dict] = contextvars.ContextVar("wuxing_log_context",
                                                               default=_EMPTY)
# What a proxy may send as a request id: a uuid or a short token, nothing to inject.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


def current() -> dict:
    return _context.get()


def _request_id(request) -> str:
    given = request.headers.get(HEADER, "")
    return given if _VALID_ID.match(given) else uuid.uuid4().hex


def _unit_code(user) -> str:
    from wuxing.accounts.access import scopes_of
    prefixes = sorted({scope.prefix for scope in scopes_of(user)})
    return ",".join(prefix or "*" for prefix in prefixes)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        token = _context.set({**_EMPTY, "request_id": _request_id(request)})
        try:
            response = self.get_response(request)
            self._log(request, response, started)
            response[HEADER] = current()["request_id"]
            return response
        finally:
            _context.reset(token)

    def _log(self, request, response, started) -> None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            _context.set({**current(), "user_id": str(user.pk), "unit_code": _unit_code(user)})
        duration_ms = round((time.monotonic() - started) * 1000)
        extra = {"method": request.method, "path": request.path,
                 "status": response.status_code, "duration_ms": duration_ms}
        logger.info("%s %s %s %d ms", request.method, request.path,
                    response.status_code, duration_ms, extra=extra)
        if duration_ms >= settings.WUXING_SLOW_REQUEST_MS:
            logger.warning("slow request: %s %s %d ms", request.method, request.path,
                           duration_ms, extra={**extra, "slow": True})


class ContextFilter(logging.Filter):
    """Puts request_id, user_id and unit_code on every record (empty outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids and any extra."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        line.update({key: value for key, value in vars(record).items()
                     if key not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


# --- Celery: the ids travel in the task headers -------------------------------------------

@before_task_publish.connect(dispatch_uid="ops.logs.publish_ids")
def _publish_ids(headers=None, **kwargs) -> None:
    if headers is not None and current()["request_id"]:
        headers["wuxing_log_context"] = dict(current())


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect(dispatch_uid="ops.logs.task_ids")
def _task_ids(task_id=None, task=None, **kwargs) -> None:
    given = getattr(task.request, "wuxing_log_context", None) or {}
    if not given:
        headers = getattr(task.request, "headers", None) or {}
        given = headers.get("wuxing_log_context") or {}
    if not given:  # an eager task inside a request keeps the request's ids
        given = current()
    context = {key: str(given.get(key, "")) for key in _EMPTY}
    if not _VALID_ID.match(context["request_id"]):
        context["request_id"] = task_id or uuid.uuid4().hex
    _task_tokens[task_id] = _context.set(context)


@task_postrun.connect(dispatch_uid="ops.logs.task_ids_done")
def _task_ids_done(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _context.reset(token)
        except ValueError:  # set in another context (eager tasks inside a request)
            _context.set(_EMPTY)


@after_setup_logger.connect(dispatch_uid="ops.logs.worker_logs")
@after_setup_task_logger.connect(dispatch_uid="ops.logs.worker_task_logs")
def _worker_logs(logger=None, format=None, **kwargs) -> None:
    """Celery configures the worker's own handlers: give them the ids and the format."""
    for handler in logger.handlers:
        handler.addFilter(ContextFilter())
        if settings.WUXING_LOG_FORMAT == "json":
            handler.setFormatter(JsonFormatter())
        elif format:
            handler.setFormatter(logging.Formatter(
                f"{format} [%(request_id)s user=%(user_id)s unit=%(unit_code)s]"))
