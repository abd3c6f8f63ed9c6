"""The suite's own machinery: a test that points Celery at a Redis of its own must leave
publishing to the suite's Redis working for the tests after it."""

from __future__ import annotations

from contactcenter.embedded_redis import PrivateRedis
from contactcenter.health import ping_workers
from contactcenter.redis_urls import celery_url
from tests.conftest import ARTIFACTS, _point_celery_at, free_port


def test_pointing_celery_away_and_back_leaves_the_suites_broker_usable(settings):
    from contactcenter.celery import app

    suite = settings.CELERY_BROKER_URL
    with app.pool.acquire(block=True) as connection:  # the suite's pool exists and was used
        connection.ensure_connection(max_retries=1)
    ping_workers(settings.REDIS_URL, timeout=0.1)  # so does the health check's, for that URL
    other = PrivateRedis(ARTIFACTS / "private-redis" / f"{free_port()}.sock").start()
    try:
        _point_celery_at(celery_url(other.url))
        _point_celery_at(suite)
    finally:
        other.stop()
    # Before the fix: "RuntimeError: Acquire on closed pool", so every later publish failed.
    with app.pool.acquire(block=True) as connection:
        connection.ensure_connection(max_retries=1)
    with app.producer_or_acquire() as producer:
        assert producer.connection.connected
    assert isinstance(ping_workers(settings.REDIS_URL, timeout=0.1), list)  # no closed pool
