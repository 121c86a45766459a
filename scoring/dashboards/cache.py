"""Versions per unit for cached dashboard pages, bumped by what changed.

A cached page names the versions of what it reads, and an entry carries the versions it
was computed under, so it is never served stale:

- a town page reads its villages' status rows, its own summary and its ledger and
  pairings: the town's version (9 digits); its pairing suggestions look across the
  county's villages (their level, stars and names): the county's *pool* version, bumped
  only when one of those changes, not on every save;
- a county, city or province overview reads its children's summary rows and its own:
  the unit's version, bumped only when one of those rows actually changed
  (summaries.py compares them before and after each refresh).

A save that changes no village's level or stars and leaves its town's summary as it was
invalidates its town's page only. Renamed, added or removed villages and units bump
every level above them (`bump`, signals.py). The timeout bounds memory and catches
edits that send no signal (queryset updates).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.core.cache import cache

TIMEOUT = 300
TOWN, COUNTY = 9, 6


def _key(scope: str) -> str:
    return f"dashboards:version:{scope}"


def pool(code: str) -> str:
    """The scope of the county's pairing pool (its villages' level, stars and names)."""
    return f"pool:{code[:COUNTY]}"


def _fresh() -> int:
    # A version that no entry can carry yet, even if the old one was evicted: a
    # restart at 1 could match an entry computed under an earlier 1.
    return time.time_ns()


def version(scope: str) -> int:
    return cache.get_or_set(_key(scope), _fresh, timeout=None)


def bump_scopes(scopes: Iterable[str]) -> None:
    """Bump exactly these scopes (unit prefixes or `pool(...)`)."""
    for scope in set(scopes):
        try:
            cache.incr(_key(scope))
        except ValueError:  # not cached yet: any new value differs from cached entries
            cache.set(_key(scope), _fresh(), timeout=None)


def bump(codes: Iterable[str]) -> None:
    """Everything a code shows on: its town, county pool, county, city and province."""
    codes = list(codes)
    bump_scopes({code[:n] for code in codes for n in (TOWN, COUNTY, 4, 2)
                 if len(code) >= n} | {pool(code) for code in codes if len(code) >= COUNTY})


def cached(name: str, division_code: str, scopes: str | tuple[str, ...],
           compute: Callable[[], object], *parts) -> object:
    """`compute()` cached under the versions of `scopes` (unit prefixes or pools).

    The entry is stored as (versions, value) under a key without the versions, so a warm
    request reads the versions and the entry in one round trip.
    """
    scopes = (scopes,) if isinstance(scopes, str) else scopes
    version_keys = [_key(scope) for scope in scopes]
    key = ":".join(["dashboards", name, division_code, *map(str, parts)])
    found = cache.get_many([*version_keys, key])
    current = tuple(found[k] if found.get(k) is not None else version(scope)
                    for k, scope in zip(version_keys, scopes, strict=True))
    entry = found.get(key)
    if entry is not None and entry[0] == current:
        return entry[1]
    value = compute()
    cache.set(key, (current, value), TIMEOUT)
    return value
