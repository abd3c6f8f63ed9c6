"""Installing the rollup triggers and rebuilding the rollups from the conversation tables.

The triggers keep ``reports_rollup`` in step as interactions and messages change; a rebuild
recomputes a range of days from scratch (after a bulk load that switched the triggers off, as
``seed_history`` does, after a change of ``TIME_ZONE`` or of a campaign's thresholds), in one
transaction (``rebuild``) or one per day (``rebuild_days``: what the command and the tasks
use). PostgreSQL only: on SQLite (development) nothing is installed and reports stay empty.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

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


MARGIN = dt.timedelta(hours=3)  # more than any disagreement of two tz databases about midnight


def local_bounds(first: dt.date, last: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The instants from the start of ``first`` to the end of ``last`` in ``zone``."""
    tz = zoneinfo.ZoneInfo(zone)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _installed_for(zone: str) -> bool:
    """Install the triggers for ``zone`` when they count in another one; True when they did
    (then every rollup must be recounted)."""
    if installed_zone() == zone:
        return False
    install(zone)
    return True


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
    runs (one campaign's history: seconds; 10,000,000 messages: minutes). So a range of more
    than a few days is rebuilt with ``rebuild_days``: the same, one day per transaction.

    Why a day at a time is exactly as correct: a day's rollup rows hold only the contributions
    of the interactions opened and the messages written on that day, and a rebuild of the day
    deletes and recomputes just those rows under the lock. A change whose trigger ran before
    the lock was granted has committed (the lock waits for it) and is in the recount; one whose
    trigger comes after waits, then adds its delta to the recount, which did not see it. A
    change moving a contribution between two days (a message routed, an interaction re-dated)
    is the same on each of the two days, rebuilt before or after it."""
    if not supported():
        return 0
    zone = zone_name()
    if _installed_for(zone):  # a new zone: every day of every campaign
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
        lo, hi = first or dt.date(1970, 1, 1), last or dt.date(9999, 1, 1)
        # The instants with a margin (for the indexes), then the day exactly as the triggers
        # count it (PostgreSQL's own zone rules: a rebuild of day D must count exactly what the
        # triggers put on day D, whatever Python's tz database says about midnight).
        start, end = local_bounds(lo, hi, zone)
        start, end = start - MARGIN, end + MARGIN
        local = f"AT TIME ZONE {rollup_sql._zone_literal(zone)})::date BETWEEN %s AND %s"
        i_where.append(f"i.opened_at >= %s AND i.opened_at < %s AND (i.opened_at {local}")
        params_i += [start, end, lo, hi]
        m_where.append(f"m.created_at >= %s AND m.created_at < %s AND (m.created_at {local}")
        params_m += [start, end, lo, hi]
        r_where.append("day >= %s AND day <= %s")
        params_r += [lo, hi]
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


def counted_days(zone: str | None = None) -> tuple[dt.date, dt.date] | None:
    """The first and last local day anything is counted on: the rollups kept, the interactions
    opened, the messages of interactions (one scan of the messages, no lock held). None when
    there is nothing at all."""
    zone = zone or zone_name()
    tz = zoneinfo.ZoneInfo(zone)
    days: list[dt.date] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(day), max(day) FROM reports_rollup")
        days += [d for d in cursor.fetchone() if d is not None]
        for sql in (
            "SELECT min(opened_at), max(opened_at) FROM conversations_interaction",
            "SELECT min(created_at), max(created_at) FROM conversations_message"
            " WHERE interaction_id IS NOT NULL",
        ):
            cursor.execute(sql)
            days += [t.astimezone(tz).date() for t in cursor.fetchone() if t is not None]
    if not days:
        return None
    # A day more on each side: the instant's local day by Python's tz database may differ from
    # PostgreSQL's at midnight; an empty day costs one indexed look.
    return min(days) - dt.timedelta(days=1), max(days) + dt.timedelta(days=1)


def rebuild_days(
    first: dt.date | None = None,
    last: dt.date | None = None,
    campaign_ids: Iterable[int] | None = None,
    *,
    each_day: Callable[[dt.date, int], None] | None = None,
) -> int:
    """``rebuild`` one local day at a time, oldest first, each day its own short transaction
    (the lock held for one day's rows, not for the whole history: writes that move a figure
    wait for a day's recount at most). ``first`` / ``last`` None: from the first to the last
    day anything is counted on. When the zone changed, every day of every campaign (as
    ``rebuild``). ``each_day(day, rows)`` is called after each day's commit. Answers the rollup
    rows written. Call it outside any transaction: inside one, every day's lock would be held
    until that transaction ends, as with one ``rebuild``."""
    if not supported():
        return 0
    zone = zone_name()
    if _installed_for(zone):  # a new zone: every day of every campaign
        first = last = None
        campaign_ids = None
    if first is None or last is None:
        bounds = counted_days(zone)
        if bounds is None:
            return 0
        first = first or bounds[0]
        last = last or bounds[1]
    ids = None if campaign_ids is None else [int(c) for c in campaign_ids]
    written = 0
    day = first
    while day <= last:
        rows = rebuild(day, day, ids)
        written += rows
        if each_day is not None:
            each_day(day, rows)
        day += dt.timedelta(days=1)
    return written


def installed_triggers() -> dict[str, str]:
    """The rollup triggers that exist, by name, with ``pg_trigger.tgenabled`` (``O`` on, ``D``
    disabled)."""
    if not supported():
        return {}
    names = [name for names in rollup_sql.TRIGGERS.values() for name in names]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname = ANY(%s) AND NOT tgisinternal",
            [names],
        )
        return {name: str(state) for name, state in cursor.fetchall()}


def _set_triggers(names: Iterable[str], enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    chosen = set(names)
    for table, triggers in rollup_sql.TRIGGERS.items():
        for name in triggers:
            if name in chosen:  # each its own short transaction (the table's lock is brief)
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"ALTER TABLE {table} {verb} TRIGGER {name}")


@contextmanager
def triggers_off() -> Iterator[None]:
    """The rollup triggers switched off while a bulk load writes (``ALTER TABLE … DISABLE
    TRIGGER``: one upsert per row costs far more than the load) and switched on again on the
    way out, whatever happened. Only the rollup triggers: foreign keys and the rest stay
    checked. For everyone, not only this connection: what the application writes meanwhile
    reaches no rollup either, so the caller rebuilds the days it wrote (and any day the
    application may have written on) afterwards."""
    was_on = switch_triggers_off()
    try:
        yield
    finally:
        switch_triggers_on(was_on)


def switch_triggers_off() -> list[str]:
    """``triggers_off``'s first half: the rollup triggers that were on, now off."""
    was_on = [name for name, state in installed_triggers().items() if state != "D"]
    _set_triggers(was_on, enabled=False)
    return was_on


def switch_triggers_on(names: list[str]) -> None:
    """``triggers_off``'s second half: these triggers on again."""
    _set_triggers(names, enabled=True)
