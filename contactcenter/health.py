"""Liveness of the parts the portal needs: database (read and write), broker (Redis) and at least
one worker."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache

import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import ApiTokenAuthentication
from accounts.roles import Role
from contactcenter.redis_urls import celery_url

TIMEOUT_SECONDS = 1.5
# How long the SQLite write probe waits for another writer before calling the database locked.
WRITE_PROBE_SECONDS = 0.5


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


def check_database_writable() -> Check:
    """Can a write start now? Takes no row lock and changes nothing.

    SQLite: a second connection asks for the write lock (``BEGIN IMMEDIATE``) and gives it back;
    while another connection holds it (a big upload) writers queue up, so the portal is degraded.
    PostgreSQL: a replica in recovery, or read-only transactions by default, cannot write.
    """
    try:
        if connection.vendor == "sqlite":
            return _sqlite_write_probe()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only')"
                )
                in_recovery, read_only = cursor.fetchone()
            if in_recovery or read_only == "on":
                return Check(False, "read-only (a replica in recovery, or read-only by default)")
    except Exception as exc:  # any driver error means the database is not usable
        return Check(False, f"{type(exc).__name__}: {exc}")
    return Check(True, "writable")


def _sqlite_write_probe() -> Check:
    if connection.in_atomic_block:
        # This connection's own transaction began IMMEDIATE: it holds the write lock already.
        return Check(True, "writable (inside a write transaction)")
    path = connection.settings_dict["NAME"]
    probe = sqlite3.connect(
        f"file:{path}?mode=rw", uri=True, timeout=WRITE_PROBE_SECONDS, isolation_level=None
    )
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        return Check(False, f"not writable within {WRITE_PROBE_SECONDS} s: {exc}")
    finally:
        probe.close()
    return Check(True, "writable")


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
    checks = {"database": check_database()}
    if checks["database"].ok:
        checks["database_writable"] = check_database_writable()
    else:
        checks["database_writable"] = Check(False, "not checked: the database is unreachable")
    checks["broker"] = check_broker()
    if checks["broker"].ok:
        checks["worker"] = check_worker()
    else:
        checks["worker"] = Check(False, "not checked: the broker is unreachable")
    return checks


def may_see_health_details(request: HttpRequest) -> bool:
    """Admins see the details, signed in or with an API token; a bad token is just anonymous."""
    user = request.user
    if not user.is_authenticated:
        try:
            found = ApiTokenAuthentication().authenticate(request)
        except AuthenticationFailed:
            found = None
        if found is None:
            return False
        user = found[0]
    return user.is_active and (user.role == Role.ADMIN or user.is_superuser)
