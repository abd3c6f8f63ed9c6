"""The circuit breaker every sender shares (the dialer's batches, conversations' replies): a
provider that times out, refuses connections or answers 5xx again and again is left alone for
BREAKER_REST_SECONDS, so it stops taking workers that others need and nobody waits on it.

The rest is one Redis key per provider, seen by every worker and every path: a rest the dialer
starts also fails replies at once, and the other way round. The key holds the error that made
the provider rest, so whoever is refused can show the provider's own words.
"""

from __future__ import annotations

import logging

import redis

from contactcenter.redis_client import redis_client
from providers.adapters.base import SendError

logger = logging.getLogger("contactcenter.providers")

BREAKER_FAILURES = 3  # unreachable sends in a row before the provider rests
BREAKER_REST_SECONDS = 30
UNREACHABLE_PREFIXES = ("timed out", "connection failed", "HTTP 5")


def _rest_key(provider_id: int) -> str:
    return f"cc:provider:resting:{provider_id}"


def _failures_key(provider_id: int) -> str:
    return f"cc:provider:failures:{provider_id}"


def unreachable_error(error: str) -> bool:
    """A temporary failure (its text) that says the provider itself is down or too slow."""
    return error.startswith(UNREACHABLE_PREFIXES)


def unreachable(exc: SendError) -> bool:
    return not exc.permanent and unreachable_error(str(exc))


def provider_resting(provider_id: int) -> bool:
    return bool(redis_client().exists(_rest_key(provider_id)))


def resting_error(provider_id: int) -> str | None:
    """Why the provider rests (the error that tripped the breaker), None when it does not (or
    Redis cannot say: a send is then tried, as if the breaker were closed)."""
    try:
        value = redis_client().get(_rest_key(provider_id))
    except redis.RedisError:
        logger.warning("breaker unknown: Redis unreachable", extra={"provider": provider_id})
        return None
    if value is None:
        return None
    text = value.decode(errors="replace")
    return text if text not in ("", "1") else "the provider failed repeatedly"


def rest_provider(provider_id: int, error: str = "") -> None:
    redis_client().set(_rest_key(provider_id), error or 1, ex=BREAKER_REST_SECONDS)
    logger.warning(
        "provider failing: resting it",
        extra={"provider": provider_id, "seconds": BREAKER_REST_SECONDS, "error": error},
    )


def record_failure(provider_id: int, exc: SendError) -> bool:
    """Count one failed send of a path that sends one message at a time (replies); True when
    this failure made the provider rest. Only unreachable failures count, and any answer from
    the provider (``record_success``) starts the count again. Redis away: not counted (the
    outcome of the send must be recorded whatever happens here)."""
    if not unreachable(exc):
        return False
    client = redis_client()
    key = _failures_key(provider_id)
    try:
        pipe = client.pipeline()
        pipe.incr(key)
        pipe.expire(key, BREAKER_REST_SECONDS * 2)
        failures = pipe.execute()[0]
        if failures < BREAKER_FAILURES:
            return False
        client.delete(key)
        rest_provider(provider_id, str(exc))
    except redis.RedisError:  # the send's outcome is recorded all the same
        logger.warning("failure not counted: Redis unreachable", extra={"provider": provider_id})
        return False
    return True


def record_success(provider_id: int) -> None:
    try:
        redis_client().delete(_failures_key(provider_id))
    except redis.RedisError:  # the send's outcome is recorded all the same
        logger.warning("success not counted: Redis unreachable", extra={"provider": provider_id})


def end_rest(provider_id: int) -> None:
    """The provider may be tried again now (it is back; an operator says so; tests)."""
    redis_client().delete(_rest_key(provider_id), _failures_key(provider_id))
