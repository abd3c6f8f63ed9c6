"""The triggers that keep the rollups, for ``TIME_ZONE``, and the rollups of the history
already stored (PostgreSQL only; on SQLite reports stay empty).

Not atomic: the triggers are created in a short transaction of their own (creating a trigger
locks its table against writes until commit), then the backfill runs in another, while the
application keeps writing (what it writes meanwhile reaches the rollups through the triggers;
``reports.rollups.rebuild`` explains why nothing is counted twice). 10,000,000 messages take
about a minute (docs/reports.md)."""

from django.db import migrations


def install_and_backfill(apps, schema_editor):  # noqa: ANN001, ARG001 (migration signature)
    if schema_editor.connection.vendor != "postgresql":
        return
    from reports.rollups import install, rebuild

    install()
    rebuild()


def uninstall(apps, schema_editor):  # noqa: ANN001, ARG001
    if schema_editor.connection.vendor != "postgresql":
        return
    from reports.rollup_sql import uninstall_statements

    with schema_editor.connection.cursor() as cursor:
        for statement in uninstall_statements():
            cursor.execute(statement)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("reports", "0001_rollups"),
        ("conversations", "0002_inbound_messages_from_providers"),
        ("campaigns", "0002_schedule_security_group"),
    ]

    operations = [migrations.RunPython(install_and_backfill, uninstall)]
