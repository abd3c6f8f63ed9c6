"""/healthz names the failing part: a private Redis and worker are stopped and started again.
Anonymous callers get the status and check names; admins (session or token) the details."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection

from accounts.roles import Role
from accounts.tokens import create_api_token
from contactcenter.embedded_redis import PrivateRedis
from tests.conftest import ARTIFACTS, CeleryWorker, free_port, make_user

CHECKS = ["database", "database_writable", "broker", "worker"]


def get_health(client, **headers):
    response = client.get("/healthz", **headers)
    return response.status_code, response.json()


def test_healthz_ok_with_the_suites_worker(client, celery_worker, admin):
    client.force_login(admin)
    status, body = get_health(client)
    assert status == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    assert body["checks"]["database"]["ok"] and body["checks"]["database_writable"]["ok"]
    assert celery_worker.hostname in body["checks"]["worker"]["detail"]


def test_anonymous_callers_get_status_and_check_names_only(client, settings, db, tmp_path):
    socket_path = tmp_path / "r.sock"
    settings.REDIS_URL = f"unix://{socket_path}"  # nothing listens there
    status, body = get_health(client)
    assert status == 503
    assert body == {
        "status": "fail",
        "failing": ["broker", "worker"],
        "checks": {
            "database": {"ok": True},
            "database_writable": {"ok": True},
            "broker": {"ok": False},
            "worker": {"ok": False},
        },
    }
    assert str(socket_path) not in str(body)


def test_details_are_for_admins_by_session_or_token(client, settings, db, tmp_path):
    socket_path = tmp_path / "r.sock"
    settings.REDIS_URL = f"unix://{socket_path}"
    admin = make_user("root", Role.ADMIN)
    supervisor = make_user("sue", Role.SUPERVISOR)
    _t, admin_key = create_api_token(user=admin, name="monitor")
    _t, supervisor_key = create_api_token(user=supervisor, name="monitor")

    body = get_health(client, HTTP_AUTHORIZATION=f"Token {admin_key}")[1]
    assert str(socket_path) in body["checks"]["broker"]["detail"]
    for key in (supervisor_key, "not-a-token"):
        body = get_health(client, HTTP_AUTHORIZATION=f"Token {key}")[1]
        assert list(body["checks"]) == CHECKS
        assert all(list(check) == ["ok"] for check in body["checks"].values())

    client.force_login(supervisor)
    assert "detail" not in get_health(client)[1]["checks"]["broker"]
    client.force_login(admin)
    assert str(socket_path) in get_health(client)[1]["checks"]["broker"]["detail"]


def test_healthz_503_without_a_worker(client, settings, admin, tmp_path):
    client.force_login(admin)
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
    client.force_login(make_user("root", Role.ADMIN))
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
            time.sleep(0.1)  # a poll interval
        assert status == 200, get_health(client)[1]
    finally:
        worker.stop()
        server.stop()


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="PostgreSQL settings"
)
def test_a_read_only_postgresql_is_reported_not_writable(client, admin):
    client.force_login(admin)
    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")  # undone with the test's rollback
    body = get_health(client)[1]
    assert "database_writable" in body["failing"] and body["checks"]["database"]["ok"]
    assert "read-only" in body["checks"]["database_writable"]["detail"]
