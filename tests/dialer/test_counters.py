"""The monitor's counters: Processed counts every finished row, Sent only the accepted ones."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

from dialer.counters import (
    IDLE_SECONDS,
    adjust,
    campaign_group,
    counts,
    stop_trailing_publisher,
)
from dialer.selectors import monitor_counters
from dialer.states import SpoolState as S
from tests.campaigns.factories import make_campaign
from tests.conftest import wait_until


def test_sent_counts_only_rows_the_provider_accepted(supervisor):
    campaign = make_campaign(supervisor, did="")
    adjust({(campaign.pk, S.SENT): 5, (campaign.pk, S.BLOCKED): 2, (campaign.pk, S.OTHER): 1,
            (campaign.pk, S.FAILED): 3, (campaign.pk, S.TO_PROCESS): 7, (campaign.pk, S.NONE): 1,
            (campaign.pk, S.SENDING): 4})  # fmt: skip
    counters = monitor_counters(campaign)
    assert counters["sent"] == 5
    assert counters["processed"] == 5 + 2 + 1 + 3  # blocked, other and failed rows too
    assert counters["not_processed"] == 8
    assert (counters["blocked"], counters["other"], counters["failed"]) == (2, 1, 3)
    assert counters["sending"] == 4


def other_connections() -> set[int]:
    """Backends connected to the test database besides this thread's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def sessions_opened() -> int:
    """Connections ever made to the test database (PostgreSQL's statistics)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def off_loop(function: Callable[..., Any], *args: Any) -> Any:
    """``async_to_sync(function)(*args)`` in a thread of its own: the session's browser
    (Playwright's sync API) keeps an event loop in the main thread, where async_to_sync refuses
    to run."""
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(async_to_sync(function)(*args)))
    worker.start()
    worker.join()
    return result[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="counts PostgreSQL backends")
@pytest.mark.django_db(transaction=True)
def test_trailing_publishes_share_one_connection_closed_when_idle(supervisor):
    """Changes faster than PUBLISH_EVERY: the last one is still published (a trailing publish),
    every trailing publish is made on the one connection of the process's publisher thread,
    and that connection is closed once no publish is due for IDLE_SECONDS."""
    stop_trailing_publisher()  # an earlier test's publisher may still hold its connection
    campaign = make_campaign(supervisor, did="")
    layer = get_channel_layer()
    channel = off_loop(layer.new_channel)
    off_loop(layer.group_add, campaign_group(campaign.pk), channel)
    before, opened = other_connections(), sessions_opened()
    deadline = time.monotonic() + 1.2  # about six trailing publishes
    while time.monotonic() < deadline:
        with transaction.atomic():
            adjust({(campaign.pk, S.SENT): 1})  # publishes on commit
        time.sleep(0.01)
    sent = counts(campaign.pk)[S.SENT]
    last = None
    while (message := off_loop(receive_within, layer, channel, 1.0)) is not None:
        last = message
    assert last is not None and last["payload"]["counters"]["sent"] == sent
    assert wait_until(lambda: not other_connections() - before, IDLE_SECONDS + 3)
    # One kept connection, not one per trailing publish (its session is counted by now: closed).
    assert wait_until(lambda: sessions_opened() - opened == 1, 3), sessions_opened() - opened


async def receive_within(layer, channel: str, seconds: float):  # noqa: ANN001, ANN201
    try:
        return await asyncio.wait_for(layer.receive(channel), seconds)
    except TimeoutError:
        return None
