"""Retention: messages older than MESSAGE_RETENTION_DAYS go, chunk by chunk, closed
interactions only, and live traffic (a webhook stored and routed) is not held up meanwhile."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from conversations.models import Assignment, Interaction, Message
from conversations.routing import route_message
from conversations.states import Author, Direction, Routing
from recordings.retention import apply_retention
from tests.conversations.factories import inbound
from tests.recordings.world import World


def old_history(world: World, count: int, days_ago: int = 400) -> list[int]:
    opened = timezone.now() - dt.timedelta(days=days_ago)
    interactions = Interaction.objects.bulk_create(
        Interaction(campaign=world.sales, provider=world.sales.provider, number=f"+5989{n:07d}",
                    state="closed", opened_at=opened, last_activity_at=opened, closed_at=opened)
        for n in range(count)
    )  # fmt: skip
    Message.objects.bulk_create(
        Message(interaction=i, provider=i.provider, number=i.number, direction=direction,
                author=author, text="old", created_at=opened, agent=world.alex
                if author == Author.AGENT else None)
        for i in interactions
        for direction, author in ((Direction.IN, Author.CUSTOMER), (Direction.OUT, Author.AGENT))
    )  # fmt: skip
    Assignment.objects.bulk_create(
        Assignment(interaction=i, campaign=world.sales, agent=world.alex, assigned_at=opened,
                   released_at=opened) for i in interactions
    )  # fmt: skip
    return [i.pk for i in interactions]


@pytest.mark.django_db
def test_old_closed_conversations_go_in_chunks(world: World, settings) -> None:
    settings.MESSAGE_RETENTION_DAYS = 365
    old = old_history(world, 25)
    long_ago = timezone.now() - dt.timedelta(days=500)
    still_open = Interaction.objects.create(
        campaign=world.sales, provider=world.sales.provider, number="+59891111111",
        state="queued", opened_at=long_ago, last_activity_at=long_ago)  # fmt: skip
    Message.objects.create(interaction=still_open, provider=still_open.provider, text="waiting",
                           number=still_open.number, direction="in", author="customer",
                           created_at=long_ago)  # fmt: skip
    unrouted = Message.objects.create(provider=world.sales.provider, number="+59892222222",
                                      direction="in", author="customer", text="lost",
                                      routing=Routing.UNROUTED, created_at=long_ago)  # fmt: skip
    kept_messages = Message.objects.filter(interaction__in=[world.i1, world.i2]).count()

    result = apply_retention(chunk=10, pause=0)

    assert result == {"interactions": 25, "unrouted": 1, "chunks": 3 + 1}
    assert not Interaction.objects.filter(pk__in=old).exists()
    assert not Message.objects.filter(interaction_id__in=old).exists()
    assert not Assignment.objects.filter(interaction_id__in=old).exists()
    assert not Message.objects.filter(pk=unrouted.pk).exists()
    assert Interaction.objects.filter(pk=still_open.pk).exists()  # open: never deleted
    assert Message.objects.filter(interaction__in=[world.i1, world.i2]).count() == kept_messages
    assert apply_retention(chunk=10, pause=0)["chunks"] == 0


@pytest.mark.django_db
def test_forever_by_default(world: World, settings) -> None:
    settings.MESSAGE_RETENTION_DAYS = None
    old_history(world, 3, days_ago=4000)
    assert apply_retention()["interactions"] == 0
    assert Interaction.objects.count() == 5 + 3


@pytest.mark.django_db(transaction=True)
def test_live_traffic_is_not_blocked_while_it_runs(world: World, settings) -> None:
    settings.MESSAGE_RETENTION_DAYS = 365
    old_history(world, 1500)
    result: dict = {}
    running = threading.Event()

    def retention() -> None:
        running.set()
        try:
            result.update(apply_retention(chunk=50, pause=0.01))
        finally:
            connection.close()

    worker = threading.Thread(target=retention)
    worker.start()
    running.wait(5)
    timings: list[float] = []
    during = 0
    for n in range(20):
        started = time.monotonic()
        message = inbound(world.sales.provider, f"+5989{8000000 + n}", "live", did="1234")
        assert route_message(message.pk) == Routing.ROUTED
        timings.append(time.monotonic() - started)
        during += worker.is_alive()
    worker.join(120)
    assert result["interactions"] == 1500 and result["chunks"] >= 30
    assert during >= 5, "retention finished before the live traffic could overlap it"
    assert max(timings) < 1.0, timings
    assert Message.objects.filter(text="live", interaction__isnull=False).count() == 20


@pytest.mark.django_db
def test_a_spool_row_keeps_its_history_without_its_deleted_message(world: World, settings) -> None:
    from dialer.models import SpoolRow
    from tests.dialer.factories import spool

    settings.MESSAGE_RETENTION_DAYS = 365
    (old,) = old_history(world, 1)
    (row,) = spool(world.sales, [("098123456", "old", 1)])
    sent = Message.objects.filter(interaction_id=old, author=Author.AGENT).get()
    SpoolRow.objects.filter(pk=row.pk).update(conversation_message=sent)

    assert apply_retention(chunk=10, pause=0)["interactions"] == 1

    row = SpoolRow.objects.get(pk=row.pk)  # the dialer's row stays, unlinked
    assert row.conversation_message_id is None and row.message == "old"
    assert not Message.objects.filter(pk=sent.pk).exists()
