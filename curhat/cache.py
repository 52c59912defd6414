"""Django's Redis cache backend, keeping one Redis client per connection pool.

Django's own builds a new ``redis.Redis`` object for every cache call, and building one (a table of
some hundred response callbacks) costs more than the call's round trip to Redis: a ticket page made
eight of them. A client is safe to share between threads; its pool hands out the connections.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis import exceptions as redis_exceptions

logger = logging.getLogger(__name__)


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient


# What a Redis outage raises (connection refused, reset, timeout).
REDIS_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    redis_exceptions.ConnectionError,
    redis_exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


class SoftRedisCache(RedisCache):
    """The default cache: sessions (``cached_db``), reference data and page fragments. When Redis is
    down it behaves as an empty cache that forgets what it is given, so every reader falls back to
    the database (a staff session survives the outage) instead of failing the request. What must
    not fail open (rate limits) uses the strict ``ratelimit`` alias."""

    def _soft(self, name: str, default, *args, **kwargs):
        try:
            return getattr(super(), name)(*args, **kwargs)
        except REDIS_DOWN_ERRORS as exc:
            logger.warning("cache unavailable (%s: %s): %s without it", type(exc).__name__, exc, name)
            return default

    def get(self, key, default=None, version=None):
        return self._soft("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._soft("get_many", {}, keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("set_many", list(data), data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("add", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._soft("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._soft("delete_many", None, keys, version)

    def has_key(self, key, version=None):
        return self._soft("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except REDIS_DOWN_ERRORS as exc:
            raise ValueError(f"cache unavailable: {exc}") from exc  # as for a missing key
