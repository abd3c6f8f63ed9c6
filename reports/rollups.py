"""Installing the rollup triggers and rebuilding the rollups from the conversation tables.

The triggers keep ``reports_rollup`` in step as interactions and messages change; a rebuild
recomputes a range of days from scratch (the backfill after ``seed_history``'s ``COPY``, which
fires no triggers, after a change of ``TIME_ZONE`` or of a campaign's thresholds). PostgreSQL
only: on SQLite (development) nothing is installed and reports stay empty.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports import rollup_sql
from reports.models import RollupState


def supported() -> bool:
    return connection.vendor == "postgresql"


def zone_name() -> str:
    return settings.TIME_ZONE or "UTC"


def installed_zone() -> str | None:
    state = RollupState.objects.first()
    return state.zone if state else None


def install(zone: str | None = None) -> None:
    """(Re)create the trigger functions for ``zone`` (default: ``TIME_ZONE``) and remember it.
    The rollups already stored stay as they are: rebuild them when the zone changed."""
    zone = zone or zone_name()
    zoneinfo.ZoneInfo(zone)  # refuses a name that is no zone
    if not supported():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in rollup_sql.install_statements(zone):
            cursor.execute(statement)
        RollupState.objects.all().delete()
        RollupState.objects.create(zone=zone)


def local_bounds(first: dt.date, last: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The instants from the start of ``first`` to the end of ``last`` in ``zone``."""
    tz = zoneinfo.ZoneInfo(zone)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def rebuild(
    first: dt.date | None = None,
    last: dt.date | None = None,
    campaign_ids: Iterable[int] | None = None,
) -> int:
    """Recompute the rollups of the days ``first``…``last`` (all when None) and campaigns (all
    when None) from the interactions and messages, in one transaction; installs the triggers
    first when the zone changed (then everything is rebuilt). Answers the rollup rows written.

    The rollup table is locked against writes (``SHARE ROW EXCLUSIVE``) for the transaction:
    the triggers of concurrent changes wait, then add their deltas on top of the recomputed
    sums, so nothing is lost or counted twice. Without the lock a rebuild touching thousands of
    rows in its own order deadlocked with transactions whose triggers touched some of them
    (seen on the benchmark copy). The price: changes that move a figure wait while a rebuild
    runs (one campaign's history: seconds; 10,000,000 messages: minutes, so the full backfill
    belongs to the deploy, see docs/reports.md)."""
    if not supported():
        return 0
    zone = zone_name()
    if installed_zone() != zone:
        install(zone)
        first = last = None
        campaign_ids = None
    i_where, m_where, r_where, params_i, params_m, params_r = (
        ["TRUE"],
        ["TRUE"],
        ["TRUE"],
        [],
        [],
        [],
    )
    if first is not None or last is not None:
        start, end = local_bounds(first or dt.date(1970, 1, 1), last or dt.date(9999, 1, 1), zone)
        i_where.append("i.opened_at >= %s AND i.opened_at < %s")
        params_i += [start, end]
        m_where.append("m.created_at >= %s AND m.created_at < %s")
        params_m += [start, end]
        r_where.append("day >= %s AND day <= %s")
        params_r += [first or dt.date(1970, 1, 1), last or dt.date(9999, 1, 1)]
    if campaign_ids is not None:
        ids = [int(c) for c in campaign_ids]
        i_where.append("i.campaign_id = ANY(%s)")
        params_i.append(ids)
        m_where.append("i.campaign_id = ANY(%s)")
        params_m.append(ids)
        r_where.append("campaign_id = ANY(%s)")
        params_r.append(ids)
    select = (
        rollup_sql.interaction_rows("conversations_interaction", zone, " AND ".join(i_where))
        + " UNION ALL "
        + rollup_sql.message_rows("conversations_message", zone, " AND ".join(m_where))
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reports_rollup IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("DELETE FROM reports_rollup WHERE " + " AND ".join(r_where), params_r)  # noqa: S608
        cursor.execute(rollup_sql.upsert(select), params_i + params_m)
        written = cursor.rowcount
        RollupState.objects.update(built_at=timezone.now())
    return written
