"""Redis as a cache that may go away: while it is unreachable, reads miss and writes are
dropped, so pages are computed instead of answering 500 (DESIGN.md "a cache outage
degrades to computing"). Sessions and lockouts live in the database, not here."""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _degrade(miss):
    """Wrap a client method: on a Redis error, log once per call and return `miss()`."""
    def wrap(method):
        @functools.wraps(method)
        def degraded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                logger.warning("cache unavailable (%s): %s", method.__name__, error)
                return miss(*args, **kwargs)
        return degraded
    return wrap


def _missing_key(*args, **kwargs):
    # What incr() says of a key that is not there: callers then set a fresh value.
    raise ValueError("cache unavailable")


class _DegradingClient(RedisCacheClient):
    get = _degrade(lambda key, default: default)(RedisCacheClient.get)
    get_many = _degrade(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _degrade(lambda key: False)(RedisCacheClient.has_key)
    add = _degrade(lambda *a: False)(RedisCacheClient.add)
    set = _degrade(lambda *a: None)(RedisCacheClient.set)
    set_many = _degrade(lambda data, timeout: list(data))(RedisCacheClient.set_many)
    touch = _degrade(lambda *a: False)(RedisCacheClient.touch)
    delete = _degrade(lambda key: False)(RedisCacheClient.delete)
    delete_many = _degrade(lambda keys: None)(RedisCacheClient.delete_many)
    incr = _degrade(_missing_key)(RedisCacheClient.incr)
    clear = _degrade(lambda: False)(RedisCacheClient.clear)


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _DegradingClient
