"""A BRIN index on the messages' ``created_at``: ``rebuild_report_rollups`` recounts one day at a
time, and a day's messages are found through it instead of a scan of every message per day.

BRIN (a summary per range of table blocks): messages are written in time order, so each range
covers a short span of time; the index is a few hundred kilobytes at 10,000,000 messages and
costs the inserts next to nothing (a webhook's insert is the hot path: no B-tree added there).
Built ``CONCURRENTLY`` (live traffic goes on); PostgreSQL only (SQLite keeps no rollups).
"""

from django.db import migrations

NAME = "message_day_brin"


def create(apps, schema_editor) -> None:  # noqa: ANN001, ARG001 (migration signature)
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON conversations_message"
        " USING brin (created_at)"
    )


def drop(apps, schema_editor) -> None:  # noqa: ANN001, ARG001
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0002_rollup_triggers"),
        ("conversations", "0002_inbound_messages_from_providers"),
    ]

    operations = [migrations.RunPython(create, drop)]
