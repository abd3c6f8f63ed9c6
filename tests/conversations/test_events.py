"""What inboxes and monitors are told, end to end: services change things, the events arrive
after commit on real websockets of the live ASGI server (Redis channel layer), each agent gets
the events of their own interactions in ``seq`` order and nothing of anyone else's, monitors get
the campaign's, and a client that missed events catches up with ``after=`` seeing each change
once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from agents.models import AgentStatus
from campaigns.services import add_members, remove_members
from conversations.closing import close_interaction
from conversations.events import changes_after
from conversations.models import Interaction, Message
from conversations.outbound import send_queued
from conversations.presence import sign_out
from conversations.replies import reply
from conversations.routing import route_message
from conversations.states import InteractionState
from providers.adapters.base import WebhookRequest
from providers.services import receive_status
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user, wait_until
from tests.conversations.factories import inbound, member
from tests.conversations.sockets import EventSocket
from tests.fakeprovider import FakeProviderServer
from tests.fakeprovider.dialects import TwilioDialect
from tests.providers.factories import TWILIO_SID, twilio_provider

pytestmark = pytest.mark.django_db(transaction=True)

INTERACTION_KINDS = {"interaction.queued", "interaction.assigned", "interaction.closed"}
MESSAGE_KINDS = {"message.new", "message.delivery"}


@pytest.fixture
def fake_provider() -> Iterator[FakeProviderServer]:
    """Twilio's API, answering with message ids (the delivery reports name them)."""
    with FakeProviderServer(dialects=[TwilioDialect(TWILIO_SID, "twilio-token")]) as server:
        yield server


def interaction_of(event: dict[str, Any]) -> dict[str, Any] | None:
    if event["kind"] in INTERACTION_KINDS:
        return event["payload"]
    if event["kind"] in MESSAGE_KINDS:
        return event["payload"]["interaction"]
    return None


def about(events: list[dict], interaction_id: int) -> list[tuple[str, int]]:
    found = [(e["kind"], interaction_of(e)) for e in events]
    return [(kind, i["seq"]) for kind, i in found if i and i["id"] == interaction_id]


def delivered(message: Message) -> None:
    """The provider's delivery report, through the status webhook's service."""
    receive_status(
        provider=message.provider,
        request=WebhookRequest(
            method="POST", url="https://portal.example/status", headers={}, query={},
            form={"MessageSid": message.provider_message_id, "MessageStatus": "delivered"},
            body=b"",
        ),
    )  # fmt: skip


def test_each_agent_gets_their_interactions_events_in_order_and_monitors_get_all(
    live_url, supervisor, group, fake_provider
) -> None:
    twilio_provider("Twilio main", endpoint=fake_provider.url)
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    ana = member(campaign, make_user("ana", "agent", [group]))
    bob = member(campaign, make_user("bob", "agent", [group]))
    sockets = {a.pk: EventSocket(live_url, a) for a in (ana, bob)}
    monitor = EventSocket(live_url, supervisor)
    monitor.send({"subscribe": "campaign", "id": campaign.pk})
    monitor.until(lambda e: e["kind"] == "subscribed")

    route_message(inbound(campaign.provider, "099000001").pk)
    route_message(inbound(campaign.provider, "099000002").pk)
    first = Interaction.objects.get(number="+59899000001")
    second = Interaction.objects.get(number="+59899000002")
    holder, other = first.agent, second.agent
    assert {holder, other} == {ana, bob}

    sent = reply(interaction_id=first.pk, agent=holder, text="How can I help?")
    # Sent here, or by the suite's worker when one runs (it shares this Redis): either way once.
    send_queued(sent.pk)
    assert wait_until(lambda: Message.objects.get(pk=sent.pk).delivery == "sent", seconds=20)
    sent = Message.objects.get(pk=sent.pk)
    delivered(sent)
    route_message(inbound(campaign.provider, "099000001", "still there?").pk)
    # The holder leaves: the interaction waits (nobody has a slot), then goes to the other
    # agent once they close theirs.
    sign_out(holder.pk)
    close_interaction(interaction_id=second.pk, by=other)
    first.refresh_from_db()
    assert (first.state, first.agent) == (InteractionState.ASSIGNED, other)
    close_interaction(interaction_id=first.pk, by=other)

    seen = {pk: s.everything_so_far() for pk, s in sockets.items()}
    marker_for_monitor = monitor.everything_so_far()

    # The first holder: from its assignment to its requeue, every change, in order.
    assert about(seen[holder.pk], first.pk) == [
        ("interaction.assigned", 2),
        ("message.new", 3),  # the reply, queued
        ("message.delivery", 4),  # sent
        ("message.delivery", 5),  # delivered
        ("message.new", 6),  # the customer again
        ("interaction.queued", 7),  # signed out: back to the queue
    ]
    # The other agent: their own interaction, then the first one from when it became theirs.
    assert about(seen[other.pk], first.pk) == [
        ("interaction.assigned", 8),
        ("interaction.closed", 9),
    ]
    assert [k for k, _ in about(seen[other.pk], second.pk)] == [
        "interaction.assigned",
        "interaction.closed",
    ]
    # Nothing of another agent's interactions, agent state or anything else.
    assert about(seen[holder.pk], second.pk) == []
    for pk, events in seen.items():
        for event in events:
            if event["kind"] == "agent.state":
                assert event["payload"]["agent"] == pk
            elif event["kind"] == "queue.length":
                assert event["payload"]["campaign"] == campaign.pk
            else:
                assert event["kind"] in INTERACTION_KINDS | MESSAGE_KINDS, event
    # The monitor: every change of the campaign's interactions, seq never going back.
    on_monitor = about(marker_for_monitor, first.pk)
    assert [seq for _, seq in on_monitor] == sorted(seq for _, seq in on_monitor)
    assert {seq for _, seq in on_monitor} == set(range(1, 10))
    states = [e["payload"] for e in marker_for_monitor if e["kind"] == "agent.state"]
    assert {s["agent"] for s in states} == {ana.pk, bob.pk}
    assert states[-1]["state"] == AgentStatus.objects.get(agent=states[-1]["agent"]).state
    for s in sockets.values():
        s.close()
    monitor.close()


def queue_lengths(events: list[dict]) -> list[int]:
    return [e["payload"]["waiting"] for e in events if e["kind"] == "queue.length"]


def test_queue_length_follows_every_change_of_the_queue(live_url, supervisor, group) -> None:
    """New waiting interaction, assignment, requeue, close of a waiting one: each publishes the
    queue's length to the monitors and to the campaign's agents."""
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    ana = member(campaign, make_user("ana", "agent", [group]))
    agent_socket = EventSocket(live_url, ana)
    monitor = EventSocket(live_url, supervisor)
    monitor.send({"subscribe": "campaign", "id": campaign.pk})
    monitor.until(lambda e: e["kind"] == "subscribed")

    def after(step: Callable[[], object]) -> tuple[list[int], list[int]]:
        agent_socket.received.clear()
        monitor.received.clear()
        step()
        return (
            queue_lengths(agent_socket.everything_so_far()),
            queue_lengths(monitor.everything_so_far()),
        )

    # A new interaction waits (1), then is assigned to ana (0).
    assert after(lambda: route_message(inbound(campaign.provider, "099000001").pk)) == (
        [1, 0],
        [1, 0],
    )
    # A second one waits: ana is full.
    assert after(lambda: route_message(inbound(campaign.provider, "099000002").pk)) == (
        [1],
        [1],
    )
    # ana signs out: hers goes back to the queue (2).
    assert after(lambda: sign_out(ana.pk)) == ([2], [2])
    # A supervisor closes a waiting one (1).
    waiting = Interaction.objects.get(number="+59899000002")
    assert after(
        lambda: close_interaction(interaction_id=waiting.pk, by=supervisor, reason="supervisor")
    ) == ([1], [1])
    agent_socket.close()
    monitor.close()


def joined(socket: EventSocket) -> list[int]:
    """The campaigns the socket follows once it has taken a change of memberships."""
    event = socket.until(lambda e: e["kind"] == "memberships.changed")[-1]
    return event["payload"]["campaigns"]


def test_an_open_socket_follows_the_queues_of_the_campaigns_joined_and_left(
    live_url, supervisor, group
) -> None:
    """The Members page adds an agent to a campaign and takes them out of another while their
    inbox is open: its queue lengths start and stop at once, without a reconnect."""
    sales = make_campaign(supervisor, max_interactions_per_agent=1)
    debts = make_campaign(supervisor, name="Debts", did="5555")
    ana = member(sales, make_user("ana", "agent", [group]))
    socket = EventSocket(live_url, ana)

    def lengths_seen(step: Callable[[], object]) -> set[int]:
        socket.received.clear()
        step()
        events = socket.everything_so_far()
        return {e["payload"]["campaign"] for e in events if e["kind"] == "queue.length"}

    assert (
        lengths_seen(lambda: route_message(inbound(debts.provider, "099000001", did="5555").pk))
        == set()
    )
    add_members(user=supervisor, campaigns=[debts], agents=[ana])
    assert joined(socket) == [sales.pk, debts.pk]
    assert lengths_seen(
        lambda: route_message(inbound(debts.provider, "099000002", did="5555").pk)
    ) == {debts.pk}
    remove_members(user=supervisor, campaigns=[sales], agents=[ana])
    assert joined(socket) == [debts.pk]
    assert lengths_seen(lambda: route_message(inbound(sales.provider, "099000003").pk)) == set()
    socket.close()


def test_an_agent_cannot_follow_a_campaign_and_a_supervisor_only_their_own(
    live_url, supervisor, other_supervisor, group
) -> None:
    campaign = make_campaign(supervisor)
    ana = member(campaign, make_user("ana", "agent", [group]))
    for user in (ana, other_supervisor):
        socket = EventSocket(live_url, user)
        socket.send({"subscribe": "campaign", "id": campaign.pk})
        assert socket.next()["kind"] == "error"
        socket.close()


def snapshot(interaction: Interaction) -> tuple[int, dict[int, tuple]]:
    interaction.refresh_from_db()
    rows = Message.objects.filter(interaction=interaction)
    return interaction.seq, {m.pk: (m.text, m.delivery, m.error) for m in rows}


def test_catching_up_after_any_event_gives_each_missed_change_once(
    private_redis, supervisor, group, fake_provider
) -> None:
    twilio_provider("Twilio main", endpoint=fake_provider.url)
    campaign = make_campaign(supervisor)
    ana = member(campaign, make_user("ana", "agent", [group]))
    route_message(inbound(campaign.provider, "099000001").pk)
    interaction = Interaction.objects.get()
    seen = [snapshot(interaction)]
    first = reply(interaction_id=interaction.pk, agent=ana, text="one")
    seen.append(snapshot(interaction))
    second = reply(interaction_id=interaction.pk, agent=ana, text="two")
    seen.append(snapshot(interaction))
    first = send_queued(first.pk)  # an older message changes after a newer one was written
    seen.append(snapshot(interaction))
    route_message(inbound(campaign.provider, "099000001", "thanks").pk)
    seen.append(snapshot(interaction))
    delivered(first)
    seen.append(snapshot(interaction))
    send_queued(second.pk)
    final_seq, final = snapshot(interaction)
    assert final_seq > seen[-1][0]

    for after, known in seen:
        missed = list(changes_after(interaction.pk, after))
        ids = [m.pk for m in missed]
        assert len(ids) == len(set(ids)), f"a change given twice after {after}"
        caught_up = {**known, **{m.pk: (m.text, m.delivery, m.error) for m in missed}}
        assert caught_up == final, f"a change missed after {after}"
        assert all(known.get(m.pk) != final[m.pk] for m in missed), "an unchanged message again"
        assert [m.seq for m in missed] == sorted(m.seq for m in missed)
    assert list(changes_after(interaction.pk, final_seq)) == []


def test_events_leave_only_when_the_change_commits(live_url, supervisor, group) -> None:
    """Inside the transaction nothing is sent (a rolled back change is never announced); at
    commit, everything is."""
    campaign = make_campaign(supervisor)
    ana = member(campaign, make_user("ana", "agent", [group]))
    route_message(inbound(campaign.provider, "099000001").pk)
    held = Interaction.objects.get()
    socket = EventSocket(live_url, ana)

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        close_interaction(interaction_id=held.pk, by=ana)
        assert socket.everything_so_far() == []
        raise RolledBack
    assert socket.everything_so_far() == []
    held.refresh_from_db()
    assert held.state == InteractionState.ASSIGNED

    with transaction.atomic():
        close_interaction(interaction_id=held.pk, by=ana)
        assert socket.everything_so_far() == []
    assert [e["kind"] for e in socket.everything_so_far()] == [
        "interaction.closed",
        "agent.state",
    ]
    socket.close()
