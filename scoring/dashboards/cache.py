"""A version per county, city and province for cached dashboard data.

Anything that changes what a dashboard shows (assessments via their summaries, the
points ledger, pairings) bumps the versions of the county, city and province above it.
A town page names its county's version, because pairing suggestions look across the
county's towns; an overview names its own unit's. Cached entries carry the version, so
they are never served stale; the timeout only bounds memory and catches edits made
elsewhere (e.g. a village renamed in the admin).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.cache import cache

TIMEOUT = 300


def _key(county: str) -> str:
    return f"dashboards:version:{county}"


def version(county: str) -> int:
    return cache.get_or_set(_key(county), 1, timeout=None)


def bump(codes: Iterable[str]) -> None:
    for prefix in {code[:n] for code in codes for n in (6, 4, 2)}:
        try:
            cache.incr(_key(prefix))
        except ValueError:  # not cached yet: any new value differs from cached entries
            cache.set(_key(prefix), 2, timeout=None)


def cached(name: str, division_code: str, scope: str, compute: Callable[[], object],
           *parts) -> object:
    """`compute()` cached under the version of `scope` (a 2, 4 or 6-digit prefix)."""
    key = ":".join(["dashboards", name, division_code, str(version(scope)),
                    *map(str, parts)])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value
