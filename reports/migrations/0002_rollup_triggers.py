"""The triggers that keep the rollups, for ``TIME_ZONE``, and the rollups of the history
already stored (PostgreSQL only; on SQLite reports stay empty)."""

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
    dependencies = [
        ("reports", "0001_rollups"),
        ("conversations", "0002_inbound_messages_from_providers"),
        ("campaigns", "0002_schedule_security_group"),
    ]

    operations = [migrations.RunPython(install_and_backfill, uninstall)]
