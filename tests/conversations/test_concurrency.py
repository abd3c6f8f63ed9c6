"""Race-freedom on PostgreSQL with real processes (SPEC §3a): 500 customers write at once
through the real webhook URL of a URL-type provider, three routing worker processes (two
children each) route them, while 20 agents (maximum 3) sign in and out and close interactions
at random in threads of their own. The Assignment history and AgentStateChange prove, at every
instant and not only at the end, that each interaction had at most one holder and no agent
ever held more than 3, nor anything while signed out."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection, connections

from accounts.models import User
from agents.models import AgentStateChange
from agents.states import AgentState
from campaigns.models import CampaignMember
from contactcenter.service_errors import Conflict
from conversations.closing import close_interaction
from conversations.models import Assignment, Interaction, Message
from conversations.presence import sign_in, sign_out
from conversations.states import Direction, InteractionState, Routing
from providers.configuration import webhook_url
from tests.campaigns.factories import make_campaign
from tests.conftest import CeleryWorker, make_user, wait_until
from tests.providers.factories import url_provider

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMERS = 500
AGENTS = 20
MAXIMUM = 3
WORKERS = 3  # processes, two pool children each
DID = "2000"
NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)


@pytest.fixture
def postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL row locks are what is tested (SQLite has none): PostgreSQL only")


@pytest.fixture
def routing_workers(postgresql, private_redis) -> Iterator[list[CeleryWorker]]:
    """Routing workers on this test's own Redis (no task of another test reaches them)."""
    stem = private_redis.socket_path.stem
    workers = [
        CeleryWorker(private_redis.url, f"race-{stem}-{i}", queues=("routing",),
                     args=("--pool", "prefork", "--concurrency", "2")).spawn()
        for i in range(WORKERS)
    ]  # fmt: skip
    try:
        for worker in workers:
            worker.ready(60)
        yield workers
    finally:
        for worker in workers:
            worker.stop()


class Agent(threading.Thread):
    """An agent who signs in, closes what they hold now and then, and signs out sometimes."""

    def __init__(self, user: User, seed: int, stop: threading.Event, errors: list) -> None:
        super().__init__(daemon=True)
        self.user, self.rng, self.stop, self.errors = user, random.Random(seed), stop, errors
        self.closed = self.signed_out = 0

    def run(self) -> None:
        try:
            signed_in = False
            while not self.stop.is_set():
                roll = self.rng.random()
                if not signed_in:
                    sign_in(self.user)
                    signed_in = True
                elif roll < 0.04:
                    sign_out(self.user.pk)
                    signed_in, self.signed_out = False, self.signed_out + 1
                elif roll < 0.7:
                    self.close_one()
                time.sleep(self.rng.uniform(0.05, 0.15))
        except Exception as exc:  # reported by the test, which fails
            self.errors.append(f"{self.user.username}: {type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    def close_one(self) -> None:
        held = list(
            Interaction.objects.filter(
                agent=self.user, state=InteractionState.ASSIGNED
            ).values_list("pk", flat=True)
        )
        if held:
            try:
                close_interaction(interaction_id=self.rng.choice(held), by=self.user)
                self.closed += 1
            except Conflict:
                pass  # requeued by a sign-out of ours meanwhile: a real agent reloads


def post_inbound(url: str, i: int) -> int:
    form = {"from": f"0991{i:05d}", "to": DID, "text": f"hello {i}", "id": f"race-{i}"}
    return requests.post(url, data=form, timeout=30).status_code


def test_500_customers_20_agents_3_workers_nobody_above_the_maximum(
    postgresql, live_url, routing_workers, supervisor, group
) -> None:
    started = time.monotonic()
    gateway = url_provider("Gateway", "http://127.0.0.1:9/send?to={destination}&m={message}")
    campaign = make_campaign(supervisor, provider=gateway, did=DID, strategy="least_recent",
                             max_interactions_per_agent=MAXIMUM)  # fmt: skip
    users = [make_user(f"agent{i:02d}", "agent", [group]) for i in range(AGENTS)]
    CampaignMember.objects.bulk_create(CampaignMember(campaign=campaign, agent=u) for u in users)
    url = webhook_url(gateway, "inbound", live_url)

    stop, errors = threading.Event(), []
    agents = [Agent(u, seed, stop, errors) for seed, u in enumerate(users)]
    for agent in agents:
        agent.start()
    try:
        # Every customer at once, and one in ten again (a provider retrying its webhook).
        resent = range(0, CUSTOMERS, 10)
        with ThreadPoolExecutor(max_workers=32) as pool:
            codes = list(pool.map(lambda i: post_inbound(url, i), [*range(CUSTOMERS), *resent]))
        assert set(codes) == {200}

        def routed() -> bool:
            return not Message.objects.filter(routing=Routing.PENDING).exists()

        assert wait_until(routed, 90), "messages still waiting for routing"
        time.sleep(2)  # the agents go on a little while the last ones are assigned
    finally:
        stop.set()
        for agent in agents:
            agent.join(15)
    assert not errors, errors
    assert not any(a.is_alive() for a in agents)

    # Every message stored once, routed, one interaction per customer.
    inbound = Message.objects.filter(direction=Direction.IN)
    assert inbound.count() == CUSTOMERS
    assert inbound.values("provider_message_id").distinct().count() == CUSTOMERS
    assert not inbound.exclude(routing=Routing.ROUTED).exists()
    assert Interaction.objects.count() == CUSTOMERS
    assert inbound.values("interaction").distinct().count() == CUSTOMERS

    history = list(
        Assignment.objects.values_list("interaction_id", "agent_id", "assigned_at", "released_at")
    )
    assert len(history) >= AGENTS * MAXIMUM  # the test did exercise assignment
    # Each interaction: its holders one after the other, never two at once.
    by_interaction = defaultdict(list)
    for interaction_id, agent_id, start, end in history:
        by_interaction[interaction_id].append((start, end or NEVER, agent_id))
    for interaction_id, spans in by_interaction.items():
        spans.sort()
        for (_s, end, _a), (start, _e, _b) in zip(spans, spans[1:], strict=False):
            assert end <= start, f"interaction {interaction_id} held twice at once: {spans}"
    # Each agent: never more than MAXIMUM at any instant (releases before assignments at a tie).
    by_agent = defaultdict(list)
    for _i, agent_id, start, end in history:
        by_agent[agent_id] += [(start, 1), (end or NEVER, -1)]
    for agent_id, events in by_agent.items():
        held = most = 0
        for _at, step in sorted(events, key=lambda e: (e[0], e[1])):
            held += step
            most = max(most, held)
        assert most <= MAXIMUM, f"agent {agent_id} held {most} at once"
    # Against the agents' state history: nothing assigned to a disconnected agent, and nothing
    # held across a disconnection.
    changes = defaultdict(list)
    for agent_id, at, state in AgentStateChange.objects.order_by("at", "pk").values_list(
        "agent_id", "at", "to_state"
    ):
        changes[agent_id].append((at, state))
    for interaction_id, agent_id, start, end in history:
        before = [state for at, state in changes[agent_id] if at <= start]
        assert before and before[-1] in (AgentState.FREE, AgentState.BUSY), (
            f"interaction {interaction_id} assigned to agent {agent_id} while {before[-1:]}"
        )
        for at, state in changes[agent_id]:
            if state == AgentState.DISCONNECTED:
                assert not (start <= at < (end or NEVER)), (
                    f"agent {agent_id} disconnected at {at} holding {interaction_id}"
                )
    assert sum(a.closed for a in agents) > 0 and sum(a.signed_out for a in agents) > 0
    # Nothing assigned to a signed-out agent now; the rest waits in order.
    assert (
        Assignment.objects.filter(released_at__isnull=True).count()
        == Interaction.objects.filter(state=InteractionState.ASSIGNED).count()
    )
    print(f"routed and checked in {time.monotonic() - started:.0f} s")  # noqa: T201
