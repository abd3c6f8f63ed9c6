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
from django.db.backends.signals import connection_created

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


def live_backends() -> set[int]:
    """Backends connected to the test database now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return {pid for (pid,) in cursor.fetchall()}


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
    and that connection is closed once no publish is due for IDLE_SECONDS. (Only this process's
    publisher thread is counted: the suite's worker and server connect to the same database.)"""
    stop_trailing_publisher()  # an earlier test's publisher may still hold its connection
    opened: list[int] = []  # backend pids of the connections the publisher thread made

    def count(sender: Any, connection: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "counters-publisher":
            opened.append(connection.connection.info.backend_pid)

    connection_created.connect(count)
    try:
        campaign = make_campaign(supervisor, did="")
        layer = get_channel_layer()
        channel = off_loop(layer.new_channel)
        off_loop(layer.group_add, campaign_group(campaign.pk), channel)
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
        # One kept connection, not one per trailing publish; closed once idle.
        assert len(opened) == 1, opened
        assert wait_until(lambda: opened[0] not in live_backends(), IDLE_SECONDS + 3)
    finally:
        connection_created.disconnect(count)


async def receive_within(layer, channel: str, seconds: float):  # noqa: ANN001, ANN201
    try:
        return await asyncio.wait_for(layer.receive(channel), seconds)
    except TimeoutError:
        return None
