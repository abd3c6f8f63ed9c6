"""Liveness of the parts the portal needs: database, broker (Redis) and at least one worker."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import redis
from celery import Celery
from django.conf import settings
from django.db import connection

from contactcenter.redis_urls import celery_url

TIMEOUT_SECONDS = 1.5


@dataclass
class Check:
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the database is not usable
        return Check(False, f"{type(exc).__name__}: {exc}")
    return Check(True, connection.vendor)


def check_broker() -> Check:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return Check(False, f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
    return Check(True, "redis")


@lru_cache(maxsize=8)
def _control_app(redis_url: str) -> Celery:
    # A bare app per broker URL: Celery's control commands publish through the app's own
    # producer pool, so the portal's app would always ping its configured broker.
    app = Celery("health", broker=celery_url(redis_url), set_as_current=False)
    app.conf.broker_connection_timeout = TIMEOUT_SECONDS
    app.conf.broker_transport_options = {"socket_timeout": TIMEOUT_SECONDS, "max_retries": 0}
    return app


def ping_workers(
    redis_url: str, timeout: float = TIMEOUT_SECONDS, destination: list[str] | None = None
) -> list[str]:
    """Names of the Celery workers on ``redis_url`` that answered a ping within ``timeout``."""
    replies = _control_app(redis_url).control.ping(
        timeout=timeout, limit=len(destination) if destination else 1, destination=destination
    )
    return sorted(name for reply in replies for name in reply)


def check_worker() -> Check:
    try:
        names = ping_workers(settings.REDIS_URL)
    except Exception as exc:  # kombu raises transport-specific errors
        return Check(False, f"{type(exc).__name__}: {exc}")
    if not names:
        return Check(False, f"no Celery worker answered within {TIMEOUT_SECONDS} s")
    return Check(True, ", ".join(names))


def health() -> dict[str, Check]:
    checks = {"database": check_database(), "broker": check_broker()}
    if checks["broker"].ok:
        checks["worker"] = check_worker()
    else:
        checks["worker"] = Check(False, "not checked: the broker is unreachable")
    return checks
