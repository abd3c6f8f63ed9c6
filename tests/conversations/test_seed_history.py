"""``manage.py seed_history``: exact sizes, and a history the rules allow (nobody above the
maximum, one open interaction per customer, an open assignment for every assigned interaction,
nothing left for a worker); the report rollups equal a recount afterwards."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from agents.models import AgentStatus
from conversations.models import Assignment, Interaction, Message
from conversations.seeding import Sizes, seed_history
from conversations.states import Delivery, InteractionState, Routing
from reports.rollups import install, installed_triggers, rebuild
from tests.reports.test_figures import rollup_rows

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


def trigger_states() -> set[str]:
    states = installed_triggers()
    assert len(states) == 4, states  # the four rollup triggers exist
    return set(states.values())


def equal_to_a_recompute() -> dict:
    kept = rollup_rows()
    rebuild()  # every day, from scratch, in one transaction
    assert rollup_rows() == kept
    return kept


@pytest.mark.skipif(connection.vendor != "postgresql", reason="report rollups need PostgreSQL")
def test_report_rollups_are_right_after_either_path(settings) -> None:
    """The empty-table path (every trigger off) and the chunked one (the rollup triggers off
    while it writes, on again after) both end with the rollups of a recount."""
    settings.TIME_ZONE = "America/Montevideo"
    install()
    sizes = {"agents": 8, "campaigns": 3, "days": 4, "max_per_agent": 2}
    lines: list[str] = []
    seed_history(Sizes(messages=1200, interactions=150, **sizes), progress=lines.append)
    assert any("report rollups recounted" in line for line in lines), lines
    assert trigger_states() == {"O"}
    first = equal_to_a_recompute()
    received = sum(values[0] for (_day, _c, agent), values in first.items() if agent == -1)
    assert received > 100  # customer- and dialer-opened ones are received: nearly all
    seen: list[set[str]] = []

    def watch(line: str) -> None:
        if "interactions" in line and "recounted" not in line:
            seen.append(trigger_states())

    seed_history(Sizes(messages=900, interactions=90, seed=2, **sizes), progress=watch)
    assert seen and all(states == {"D"} for states in seen), seen  # off while chunks went in
    assert trigger_states() == {"O"}  # on again for the application
    second = equal_to_a_recompute()
    assert sum(v[0] for (_d, _c, a), v in second.items() if a == -1) > received


@pytest.mark.skipif(connection.vendor != "postgresql", reason="report rollups need PostgreSQL")
def test_the_rollup_triggers_come_back_when_a_load_fails() -> None:
    install()
    sizes = {"agents": 4, "campaigns": 2, "days": 2, "max_per_agent": 1}
    seed_history(Sizes(messages=200, interactions=40, **sizes), progress=lambda line: None)

    def fail(line: str) -> None:
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        seed_history(Sizes(messages=200, interactions=40, seed=3, **sizes), progress=fail)
    assert trigger_states() == {"O"}
