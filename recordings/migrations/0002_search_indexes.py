"""Indexes the recordings need on other apps' tables, built without locking them
(``CREATE INDEX CONCURRENTLY``: live traffic goes on while they build on a large history).

- ``message_text_search``: full-text search in message text (GIN, the ``simple`` configuration:
  customers write in several languages, and a number or a code must match as written);
- ``agent_recordings``: an agent's interactions by date (the recordings' agent filter, keyset);
- ``spool_row_message``: the spool rows that became a message, so retention can detach them
  from the messages it deletes without scanning the spool.

PostgreSQL only; SQLite searches with a plain ``LIKE`` and needs none of them.
"""

from django.db import migrations

INDEXES = {
    "message_text_search": (
        "conversations_message USING gin (to_tsvector('simple'::regconfig, text))"
    ),
    "agent_recordings": "conversations_interaction (agent_id, opened_at DESC, id DESC)",
    "spool_row_message": (
        "sms_spool (conversation_message_id) WHERE conversation_message_id IS NOT NULL"
    ),
}


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("recordings", "0001_initial"),
        ("conversations", "0002_inbound_messages_from_providers"),
        ("dialer", "0004_spool_rows_become_messages"),
    ]

    operations = [migrations.RunPython(create, drop)]
