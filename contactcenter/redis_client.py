"""The process's Redis client (thread-safe connection pool), for coordination between workers."""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)


def redis_client() -> redis.Redis:
    return _client(settings.REDIS_URL)
