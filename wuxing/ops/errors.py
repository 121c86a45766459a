"""Error reporting to a Sentry-compatible service, only when SENTRY_DSN is set.

Nothing personal leaves the portal: `send_default_pii=False`, and `scrub` blanks every
field whose name says it is personal (names, phones, id numbers, passwords, tokens,
emails, cookies, objection contacts) anywhere in the event, and masks phone numbers,
id numbers and emails inside free text (messages, breadcrumbs). Without a DSN, Django
mails errors to ADMINS (DJANGO_ADMINS).
"""

from __future__ import annotations

import re
from typing import Any

FILTERED = "[Filtered]"
# Field names (lower case, any part of the name) that hold personal data or secrets.
_PERSONAL = re.compile(
    r"name|phone|mobile|tel|contact|id_?card|id_?number|identity|身份证|passw|secret|"
    r"token|key|auth|session|csrf|cookie|e_?mail|address|ip_?addr|remote_addr|"
    r"x-forwarded-for|x-real-ip|author|reporter|text|reason", re.IGNORECASE)
# Keys that look personal by the pattern above but describe code, kept for debugging.
_KEEP = {"filename", "abs_path", "module", "function", "logger", "logger_name",
         "type", "value", "level", "lineno", "context_line", "pre_context",
         "post_context", "thread_name", "server_name", "contexts"}
_IN_TEXT = [
    (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), "[id number]"),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "[phone]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
]


def _mask_text(text: str) -> str:
    for pattern, replacement in _IN_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _scrub(value: Any, key: str = "") -> Any:
    if key and key.lower() not in _KEEP and _PERSONAL.search(key):
        return FILTERED
    if isinstance(value, dict):
        return {k: _scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return _mask_text(value)
    return value


def scrub(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send (and before_send_transaction): the event without personal data."""
    event = _scrub(event)
    request = event.get("request")
    if isinstance(request, dict):
        request["cookies"] = FILTERED if request.get("cookies") else request.get("cookies")
        request["data"] = FILTERED if request.get("data") else request.get("data")
        request.pop("query_string", None)
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    return event


def init_sentry(dsn: str, *, environment: str, release: str = "", traces: float = 0.0,
                transport=None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn, environment=environment, release=release or None,
        send_default_pii=False, before_send=scrub, before_send_transaction=scrub,
        traces_sample_rate=traces, integrations=[DjangoIntegration(), CeleryIntegration()],
        transport=transport, max_request_body_size="never", include_local_variables=False,
        # Source lines can quote data too; the stack's file, function and line suffice.
        include_source_context=False,
    )
