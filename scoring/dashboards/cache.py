"""A version per county, city and province for cached dashboard pages.

Anything that changes what a dashboard shows (assessments via their summaries, the
points ledger, pairings) bumps the versions of the county, city and province above it.
A town page names its county's version, because pairing suggestions look across the
county's towns; an overview names its own unit's. Cached entries carry the version
they were computed under, so they are never served stale; renamed, added or removed
villages and units bump them too (signals.py). The timeout bounds memory and catches
edits that send no signal (queryset updates).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.core.cache import cache

TIMEOUT = 300


def _key(county: str) -> str:
    return f"dashboards:version:{county}"


def _fresh() -> int:
    # A version that no entry can carry yet, even if the old one was evicted: a
    # restart at 1 could match an entry computed under an earlier 1.
    return time.time_ns()


def version(county: str) -> int:
    return cache.get_or_set(_key(county), _fresh, timeout=None)


def bump(codes: Iterable[str]) -> None:
    for prefix in {code[:n] for code in codes for n in (6, 4, 2)}:
        try:
            cache.incr(_key(prefix))
        except ValueError:  # not cached yet: any new value differs from cached entries
            cache.set(_key(prefix), _fresh(), timeout=None)


def cached(name: str, division_code: str, scope: str, compute: Callable[[], object],
           *parts) -> object:
    """`compute()` cached under the version of `scope` (a 2, 4 or 6-digit prefix).

    The entry is stored as (version, value) under a key without the version, so a warm
    request reads the version and the entry in one round trip.
    """
    version_key = _key(scope)
    key = ":".join(["dashboards", name, division_code, *map(str, parts)])
    found = cache.get_many([version_key, key])
    current = found.get(version_key)
    if current is None:
        current = version(scope)
    entry = found.get(key)
    if entry is not None and entry[0] == current:
        return entry[1]
    value = compute()
    cache.set(key, (current, value), TIMEOUT)
    return value
