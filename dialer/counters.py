"""Spool counters per campaign and state, changed in the same transaction as the rows."""

from __future__ import annotations

import logging
import os
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
    _publisher().later(campaign_id, wait)


def _publish_trailing(campaign_id: int) -> None:
    _published_at[campaign_id] = time.monotonic()
    try:
        _publish(campaign_id)
    except Exception:  # a screen hint must not break anything; the poll catches up
        logger.exception("counters not published", extra={"campaign": campaign_id})


IDLE_SECONDS = 1.0


class TrailingPublisher:
    """The process's trailing publishes, made by one thread on its own database connection: kept
    while publishes keep coming, closed once IDLE_SECONDS pass without one and when the thread
    stops. (A thread and a new connection for every trailing publish, five a second while a
    dialer sends, took CPU from the sending loop.)"""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.wake = threading.Condition()
        self.due: dict[int, float] = {}  # campaign: when its trailing publish is due
        self.thread: threading.Thread | None = None
        self.stopping = False

    def later(self, campaign_id: int, wait: float) -> None:
        """Publish the campaign's counters in ``wait`` seconds, unless a publish is already due
        (it will read the newest counts)."""
        with self.wake:
            if campaign_id in self.due:
                return
            self.due[campaign_id] = time.monotonic() + wait
            if self.thread is None:
                self.stopping = False
                self.thread = threading.Thread(
                    target=self._run, name="counters-publisher", daemon=True
                )
                self.thread.start()
            self.wake.notify()

    def stop(self) -> None:
        """End the thread (publishes still due are dropped: the monitors' poll catches up) and
        so close its connection."""
        with self.wake:
            thread, self.stopping = self.thread, True
            self.wake.notify()
        if thread is not None:
            thread.join(timeout=10)

    def _run(self) -> None:
        try:
            while (ready := self._next()) is not None:
                for campaign_id in ready:
                    _publish_trailing(campaign_id)
        finally:
            connection.close()  # this thread's own database connection

    def _next(self) -> list[int] | None:
        """The campaigns whose publish is due, once there are some; None when stopping."""
        with self.wake:
            while not self.stopping:
                now = time.monotonic()
                ready = [c for c, at in self.due.items() if at <= now]
                if ready:
                    for campaign_id in ready:
                        del self.due[campaign_id]
                    return ready
                if self.due:
                    self.wake.wait(min(self.due.values()) - now)
                elif not self.wake.wait(IDLE_SECONDS):
                    connection.close()  # idle: hold no connection until the next publish
                    self.wake.wait()
            self.thread = None
            return None


_publishers: list[TrailingPublisher] = []
_publishers_lock = threading.Lock()


def _publisher() -> TrailingPublisher:
    """This process's publisher (made again in a forked child, whose copy has no thread)."""
    with _publishers_lock:
        if not _publishers or _publishers[0].pid != os.getpid():
            _publishers[:] = [TrailingPublisher()]
        return _publishers[0]


def stop_trailing_publisher() -> None:
    """Stop this process's trailing publisher, if it runs (its connection closed): before its
    database goes away."""
    with _publishers_lock:
        publisher = _publishers[0] if _publishers and _publishers[0].pid == os.getpid() else None
    if publisher is not None:
        publisher.stop()


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
