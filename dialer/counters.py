"""Spool counters per campaign and state, changed in the same transaction as the rows."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from redis import RedisError

from contactcenter.events import campaign_group, publish_now
from dialer.models import PositionCounter, SpoolCount
from dialer.states import SpoolState

logger = logging.getLogger("contactcenter.dialer")

# Adds ``rows`` (campaign_id, state, count) to the counters. Every writer gives its rows in
# state order, so concurrent batches lock counter rows in the same order and cannot deadlock.
UPSERT_COUNTS = (
    "INSERT INTO dialer_spoolcount (campaign_id, state, count) {rows} "
    "ON CONFLICT (campaign_id, state) DO UPDATE SET count = dialer_spoolcount.count + "
    "excluded.count"
)


def adjust(deltas: Iterable[tuple[tuple[int, int], int]] | Counter) -> None:
    """Add each delta to its counter (creating it); call inside the transaction of the change."""
    items = [(c, s, n) for (c, s), n in dict(deltas).items() if n]
    if not items:
        return
    rows = sorted(items)  # one statement for every (campaign, state), in a fixed order
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT_COUNTS.format(rows=f"VALUES {values}"), [v for row in rows for v in row]
        )
    for campaign_id in {c for c, _s, _n in items}:
        transaction.on_commit(lambda c=campaign_id: publish_counts(c))


PUBLISH_EVERY = 0.2  # seconds
_published_at: dict[int, float] = {}
_trailing: set[int] = set()
_trailing_lock = threading.Lock()


def publish_counts(campaign_id: int) -> None:
    """Tell the monitors watching this campaign its new counters, at most every 200 ms per
    campaign. A change that falls inside the 200 ms is not dropped: one trailing publish per
    process and campaign follows at the end of the window, so the last change always shows
    live (the monitors' slow poll is only a safety net)."""
    from contactcenter.redis_client import redis_client

    now = time.monotonic()
    wait = PUBLISH_EVERY - (now - _published_at.get(campaign_id, -PUBLISH_EVERY))
    if wait > 0:
        _publish_later(campaign_id, wait)  # this process published a moment ago
        return
    _published_at[campaign_id] = now
    try:
        if not redis_client().set(
            f"cc:counts-published:{campaign_id}", 1, nx=True, px=int(PUBLISH_EVERY * 1000)
        ):
            _publish_later(campaign_id, PUBLISH_EVERY)  # another process did
            return
    except RedisError:  # a screen hint must not break the change that raised it
        logger.warning("counters not published: Redis unreachable", extra={"campaign": campaign_id})
        return
    _publish(campaign_id)


def _publish(campaign_id: int) -> None:
    publish_now(
        campaign_group(campaign_id),
        "spool.counts",
        {"campaign": campaign_id, "counters": counters_from(counts(campaign_id))},
    )


def _publish_later(campaign_id: int, wait: float) -> None:
    with _trailing_lock:
        if campaign_id in _trailing:
            return  # one trailing publish is already due: it will read the newest counts
        _trailing.add(campaign_id)
    timer = threading.Timer(wait, _publish_trailing, args=(campaign_id,))
    timer.daemon = True
    timer.start()


def _publish_trailing(campaign_id: int) -> None:
    with _trailing_lock:
        _trailing.discard(campaign_id)
    _published_at[campaign_id] = time.monotonic()
    try:
        _publish(campaign_id)
    except Exception:  # a screen hint must not break anything; the poll catches up
        logger.exception("counters not published", extra={"campaign": campaign_id})
    finally:
        connection.close()  # this timer thread's own database connection


def counters_from(c: dict[int, int]) -> dict[str, int]:
    """The monitor's counters from the rows per state (``counts``)."""
    S = SpoolState  # noqa: N806
    return {
        "processed": c[S.SENT] + c[S.BLOCKED] + c[S.OTHER] + c[S.FAILED],
        "not_processed": c[S.TO_PROCESS] + c[S.NONE],
        "sent": c[S.SENT],
        "other": c[S.OTHER],
        "blocked": c[S.BLOCKED],
        "failed": c[S.FAILED],
        "sending": c[S.SENDING],
    }


def counts(campaign_id: int) -> dict[int, int]:
    """Rows of the campaign per state (every state present, zero when none)."""
    found = dict(SpoolCount.objects.filter(campaign_id=campaign_id).values_list("state", "count"))
    return {state: found.get(state, 0) for state in SpoolState.values}


def reserve_positions(count: int) -> int:
    """Reserve ``count`` consecutive positions; returns the first. Safe across processes."""
    PositionCounter.objects.get_or_create(pk=1)
    table = PositionCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_position = next_position + %s WHERE id = 1 "  # noqa: S608
            "RETURNING next_position - %s",
            [count, count],
        )
        return cursor.fetchone()[0]
