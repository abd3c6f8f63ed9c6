import os

from django.db import connection


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
