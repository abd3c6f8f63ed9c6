"""/healthz names the failing part: a private Redis and worker are stopped and started again."""

from __future__ import annotations

import time

import pytest

from contactcenter.embedded_redis import PrivateRedis
from tests.conftest import ARTIFACTS, CeleryWorker, free_port


def get_health(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_healthz_ok_with_the_suites_worker(client, celery_worker, db):
    status, body = get_health(client)
    assert status == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    assert body["checks"]["database"]["ok"]
    assert celery_worker.hostname in body["checks"]["worker"]["detail"]


def test_healthz_503_without_a_worker(client, settings, db, tmp_path):
    server = PrivateRedis(tmp_path / "r.sock", port=free_port()).start()
    try:
        settings.REDIS_URL = server.url
        status, body = get_health(client)
        assert status == 503
        assert body["failing"] == ["worker"]
        assert "no Celery worker answered" in body["checks"]["worker"]["detail"]
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_healthz_503_when_redis_stops_and_200_when_it_is_back(client, settings):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = PrivateRedis(ARTIFACTS / "health-redis" / "r.sock", port=free_port()).start()
    worker = CeleryWorker(server.url, "health-worker")
    try:
        worker.start()
        settings.REDIS_URL = server.url
        assert get_health(client)[0] == 200

        server.stop()
        status, body = get_health(client)
        assert status == 503
        assert "broker" in body["failing"]
        assert body["checks"]["database"]["ok"]
        assert not body["checks"]["broker"]["ok"]

        server.start()
        deadline = time.monotonic() + 60
        while (status := get_health(client)[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == 200, get_health(client)[1]
    finally:
        worker.stop()
        server.stop()
