import os
import sqlite3
import time

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from tests.conftest import make_user


def test_suite_runs_on_the_database_that_database_url_names(db):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        assert connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            assert cursor.fetchone()[0].startswith("PostgreSQL")
    else:
        assert not url
        assert connection.vendor == "sqlite"


sqlite_only = pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"],
    reason="SQLite's journal and locks; PostgreSQL readers never wait for writers",
)


@sqlite_only
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db):
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_long_write_keeps_pages_readable_and_healthz_says_not_writable(client):
    client.force_login(make_user("root", Role.ADMIN))
    # Another process writes a big upload: its changes outgrow the page cache and reach the file.
    writer = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=1)
    try:
        writer.execute("PRAGMA cache_size = 10")
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("CREATE TABLE big_upload (line BLOB)")
        writer.executemany("INSERT INTO big_upload VALUES (?)", [(b"x" * 1000,)] * 4000)

        started = time.monotonic()
        assert client.get(reverse("home")).status_code == 200
        assert client.get(reverse("api_tokens")).status_code == 200
        assert time.monotonic() - started < 5  # no wait for the writer

        body = client.get("/healthz").json()
        assert "database_writable" in body["failing"]
        assert body["checks"]["database"]["ok"]
        assert "database is locked" in body["checks"]["database_writable"]["detail"]
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    body = client.get("/healthz").json()
    assert body["checks"]["database_writable"] == {"ok": True, "detail": "writable"}
