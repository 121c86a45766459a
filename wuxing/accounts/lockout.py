"""Login locks: per account (django-axes) and per address (this module), one store.

django-axes counts failures per user name, whatever the address, and locks the account
after AXES_FAILURE_LIMIT failures for AXES_COOLOFF_TIME. A spraying attacker tries many
accounts once each, which no account lock sees, so failures are also summed per client
address over WUXING_LOGIN_ADDRESS_WINDOW; past WUXING_LOGIN_ADDRESS_LIMIT that address may
not try any account until enough of them age out. Both read axes' AccessAttempt rows
(one row per user name, address and user agent), so the portal's lock page, the unlock
button and `axes_reset*` all act on the same data. The address limit is far above the
account limit: a town hall's NAT puts many honest users behind one address.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from .models import AuditEvent, AuditKind

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class Rule:
    field: str  # the AccessAttempt column the failures are summed by
    limit: int
    window: timedelta


def rule(kind: str) -> Rule:
    if kind == ACCOUNT:
        return Rule("username", settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)
    return Rule("ip_address", settings.WUXING_LOGIN_ADDRESS_LIMIT,
                settings.WUXING_LOGIN_ADDRESS_WINDOW)


def _free_at(attempts: list[tuple[datetime, int]], current: Rule) -> datetime | None:
    """When the failures in the window fall below the limit again; None if they are now.

    Newest first, the failures add up to the limit at some row; once that row leaves the
    window, the rest are too few. (`attempts` are (time, failures) of one key.)
    """
    total = 0
    for when, failures in sorted(attempts, reverse=True):
        total += failures
        if total >= current.limit:
            return when + current.window
    return None


def _recent(current: Rule, now: datetime, **lookup):
    return AccessAttempt.objects.filter(attempt_time__gte=now - current.window, **lookup)


def seconds_left(kind: str, value: str | None) -> int:
    """Seconds until the account or address may try again (0: it may now)."""
    if not value:
        return 0
    now, current = timezone.now(), rule(kind)
    rows = _recent(current, now, **{current.field: value}).values_list(
        "attempt_time", "failures_since_start")
    free_at = _free_at(list(rows), current)
    return math.ceil((free_at - now).total_seconds()) if free_at and free_at > now else 0


@dataclass(frozen=True)
class Lock:
    kind: str
    value: str
    failures: int
    until: datetime


def current_locks(kind: str) -> list[Lock]:
    """Every account (or address) locked now, soonest free first, in one query."""
    now, current = timezone.now(), rule(kind)
    by_key: dict[str, list[tuple[datetime, int]]] = {}
    rows = _recent(current, now).exclude(**{current.field: None}).values_list(
        current.field, "attempt_time", "failures_since_start")
    for key, when, failures in rows:
        by_key.setdefault(key, []).append((when, failures))
    locks = []
    for key, attempts in by_key.items():
        until = _free_at(attempts, current)
        if until and until > now:
            locks.append(Lock(kind, key, sum(f for _w, f in attempts), until))
    return sorted(locks, key=lambda lock: (lock.until, lock.value))


def unlock(kind: str, value: str, *, by, request) -> int:
    """Forget the failures of an account (every address) or an address (every account)."""
    count = reset(username=value) if kind == ACCOUNT else reset(ip=value)
    if count:
        AuditEvent.record(AuditKind.UNLOCK, user=by, request=request, target=value,
                          lock=kind, attempts=count)
    return count


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, which also refuses an address over its limit."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return (super().is_locked(request, credentials)
                or seconds_left(ADDRESS, request.axes_ip_address) > 0)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # A refused knock during a lock is not counted (axes leaves this None then).
        if request is None or request.axes_failures_since_start is None:
            return
        address = request.axes_ip_address
        if address and _failures(ADDRESS, address) == rule(ADDRESS).limit:
            AuditEvent.record(AuditKind.ADDRESS_LOCKOUT, request=request,
                              username=get_client_username(request, credentials) or "",
                              target=address)


def _failures(kind: str, value: str) -> int:
    current = rule(kind)
    rows = _recent(current, timezone.now(), **{current.field: value})
    return sum(rows.values_list("failures_since_start", flat=True))


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 with the lock that applies and a Retry-After."""
    username = get_client_username(request, credentials)
    account_wait = seconds_left(ACCOUNT, username)
    address_wait = seconds_left(ADDRESS, request.axes_ip_address)
    wait = max(account_wait, address_wait, 1)
    context = {"by_address": address_wait > account_wait,
               "minutes": math.ceil(wait / 60)}
    response = render(request, "registration/lockout.html", context,
                      status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(wait)
    return response
