"""``manage.py seed_history``: exact sizes, and a history the rules allow (nobody above the
maximum, one open interaction per customer, an open assignment for every assigned interaction,
nothing left for a worker)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from agents.models import AgentStatus
from conversations.models import Assignment, Interaction, Message
from conversations.states import Delivery, InteractionState, Routing

pytestmark = pytest.mark.django_db(transaction=True)


def seed(**sizes: int) -> None:
    call_command("seed_history", verbosity=0, **sizes)


def test_history_has_the_sizes_asked_and_follows_the_rules() -> None:
    seed(messages=3000, interactions=300, agents=20, campaigns=4, max_per_agent=3, queued=5)
    seed(messages=1000, interactions=100, agents=20, campaigns=4, max_per_agent=3, queued=5)
    assert Message.objects.count() == 4000
    assert Interaction.objects.count() == 400
    held = Interaction.objects.filter(state=InteractionState.ASSIGNED)
    per_agent = held.values("agent").annotate(n=Count("pk"))
    assert {row["n"] for row in per_agent} == {3}  # every agent at the maximum, none above
    assert held.count() == 60
    assert Interaction.objects.filter(state=InteractionState.QUEUED, agent=None).count() == 10
    open_ = Interaction.objects.exclude(state=InteractionState.CLOSED)
    assert open_.values("campaign", "provider", "number").distinct().count() == open_.count()
    assert Assignment.objects.filter(released_at=None).count() == 60
    assert set(
        Assignment.objects.filter(released_at=None).values_list("interaction_id", flat=True)
    ) == set(held.values_list("pk", flat=True))
    assert not Message.objects.filter(routing__in=[Routing.PENDING, Routing.UNROUTED]).exists()
    assert not Message.objects.filter(delivery__in=[Delivery.QUEUED, Delivery.SENDING]).exists()
    assert Message.objects.filter(interaction=None).count() == 0
    assert AgentStatus.objects.filter(state="busy", signed_in=True).count() == 20
    # Messages of an interaction in time order, and the interaction's counter past them.
    for interaction in Interaction.objects.all()[:50]:
        times = list(interaction.messages.order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times) and times[0] >= interaction.opened_at
        assert interaction.seq >= len(times)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's size limit")
def test_sqlite_refuses_large_histories() -> None:
    with pytest.raises(CommandError, match="at most"):
        seed(messages=300_000)
