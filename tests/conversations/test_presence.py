"""Agent presence (SPEC §3a): an open events socket keeps an agent present; without it (or an API
call) for AGENT_PRESENCE_GRACE seconds, the beat's tick disconnects them and their interactions
go back to the head of their queues, original waiting time kept, and on to another member.
Logout does the same at once and closes that session's sockets. Breaks stop new assignments."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from agents.models import AgentStateChange, AgentStatus, BreakType
from agents.states import AgentState
from conversations.assignment import assign_waiting
from conversations.closing import close_interaction
from conversations.models import Assignment, Interaction
from conversations.presence import seen, set_break, sign_out
from conversations.routing import route_message
from conversations.states import InteractionState
from conversations.tasks import tick
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user, wait_until
from tests.conversations.factories import inbound, member
from tests.conversations.sockets import EventSocket

pytestmark = pytest.mark.django_db(transaction=True)


def state_of(agent) -> str:
    return AgentStatus.objects.get(agent=agent).state


def written(campaign, number: str) -> Interaction:
    """A customer writes; the interaction, after routing."""
    route_message(inbound(campaign.provider, number).pk)
    return Interaction.objects.get(number=f"+598{number[1:]}")


def queue(campaign) -> list[int]:
    """The campaign's waiting interactions in the order they will be assigned."""
    return list(
        Interaction.objects.filter(campaign=campaign, state=InteractionState.QUEUED)
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)
    )


@pytest.fixture
def two_agents_one_slot_each(supervisor, group):
    """ana holds the oldest interaction, bob the next, a third waits (nobody has a slot)."""
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    ana = member(campaign, make_user("ana", "agent", [group]))
    first = written(campaign, "099000001")
    bob = member(campaign, make_user("bob", "agent", [group]))
    second = written(campaign, "099000002")
    third = written(campaign, "099000003")
    assert (first.agent, second.agent, third.state) == (ana, bob, InteractionState.QUEUED)
    return campaign, ana, bob, first, second, third


def test_presence_lost_after_the_grace_requeues_at_the_head_and_reassigns(
    settings, two_agents_one_slot_each
) -> None:
    campaign, ana, bob, first, second, third = two_agents_one_slot_each
    settings.AGENT_PRESENCE_GRACE = 0.5
    # bob's inbox stays open (its heartbeat); nothing is heard from ana.
    last_heard = AgentStatus.objects.get(agent=ana).last_seen_at

    def ana_gone() -> bool:
        seen(bob)
        tick()
        return state_of(ana) == AgentState.DISCONNECTED

    assert wait_until(ana_gone, 10)
    gone = AgentStateChange.objects.get(agent=ana, to_state=AgentState.DISCONNECTED)
    assert (gone.at - last_heard).total_seconds() >= settings.AGENT_PRESENCE_GRACE  # not before
    assert state_of(bob) == AgentState.BUSY
    requeued = Interaction.objects.get(pk=first.pk)
    assert (requeued.state, requeued.agent) == (InteractionState.QUEUED, None)
    assert requeued.queued_at == first.queued_at  # the original waiting time
    assert queue(campaign) == [first.pk, third.pk]  # at the head, before the newer one
    assert Assignment.objects.get(interaction=first).release_reason == "no_presence"

    close_interaction(interaction_id=second.pk, by=bob)
    requeued.refresh_from_db()
    assert (requeued.state, requeued.agent) == (InteractionState.ASSIGNED, bob)
    assert queue(campaign) == [third.pk]


def test_an_open_socket_keeps_the_agent_present_and_its_close_lets_the_grace_run_out(
    live_url, settings, supervisor, group
) -> None:
    settings.AGENT_PRESENCE_HEARTBEAT = 0.2
    settings.AGENT_PRESENCE_GRACE = 2.0
    campaign = make_campaign(supervisor)
    ana = member(campaign, make_user("ana", "agent", [group]), signed_in=False)
    assert not AgentStatus.objects.filter(agent=ana, signed_in=True).exists()
    socket = EventSocket(live_url, ana)
    held = written(campaign, "099000001")
    assert held.agent == ana
    # Two graces with the socket open: the beat never finds ana absent.
    deadline = time.monotonic() + 2 * settings.AGENT_PRESENCE_GRACE
    while time.monotonic() < deadline:
        tick()
        assert state_of(ana) == AgentState.BUSY
        time.sleep(0.1)  # the beat's pace, compressed
    socket.close()
    closed_at = time.monotonic()
    assert wait_until(lambda: tick() or state_of(ana) == AgentState.DISCONNECTED, 10)
    assert time.monotonic() - closed_at >= 1.5  # the grace, less one heartbeat at most
    held.refresh_from_db()
    assert (held.state, held.agent) == (InteractionState.QUEUED, None)


def test_logout_requeues_at_once_to_a_present_member_and_ends_the_sessions_sockets(
    live_url, supervisor, group
) -> None:
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    ana = make_user("ana", "agent", [group])
    member(campaign, ana, signed_in=False)
    tab = EventSocket(live_url, ana)
    other_tab = EventSocket(live_url, ana)  # a second login (another browser) stays
    held = written(campaign, "099000001")
    bob = member(campaign, make_user("bob", "agent", [group]))
    assert held.agent == ana

    tab.browser.logout()

    held.refresh_from_db()
    assert (held.state, held.agent) == (InteractionState.ASSIGNED, bob)
    assert held.queued_at == held.opened_at
    assert state_of(ana) == AgentState.DISCONNECTED
    assert tab.closed_code() == 4401
    assert [e["kind"] for e in tab.received if e["kind"].startswith("interaction.")] == [
        "interaction.assigned",
        "interaction.queued",
    ]
    other_tab.everything_so_far()  # still open (a closed socket raises): not this session
    other_tab.close()


def test_a_socket_whose_session_ended_is_closed_at_its_next_heartbeat(
    live_url, settings, supervisor, group
) -> None:
    settings.AGENT_PRESENCE_HEARTBEAT = 0.1
    campaign = make_campaign(supervisor)
    ana = member(campaign, make_user("ana", "agent", [group]))
    socket = EventSocket(live_url, ana)
    Session.objects.filter(session_key=socket.session_key).delete()  # expired, or cleared
    assert socket.closed_code() == 4401


def test_a_socket_without_a_login_is_closed_with_4401(live_url, supervisor, group) -> None:
    """A page whose login ended while it was offline reconnects without one: it must hear 4401
    (a refused handshake reaches a browser as 1006, and the page would retry forever)."""
    ana = make_user("ana", "agent", [group])
    socket = EventSocket(live_url, ana)
    socket.browser.logout()
    assert socket.closed_code() == 4401
    with (
        connect(
            live_url.replace("http://", "ws://") + "/ws/events/",
            origin=live_url,
            additional_headers={
                "Cookie": f"{django_settings.SESSION_COOKIE_NAME}={socket.session_key}"
            },
            proxy=None,
        ) as again,
        pytest.raises(ConnectionClosed) as closed,
    ):
        again.recv(timeout=10)
    assert closed.value.rcvd.code == 4401
    assert not AgentStatus.objects.filter(agent=ana, signed_in=True).exists()


def test_a_socket_that_dies_while_sending_no_longer_keeps_the_agent_present(
    live_url, settings, supervisor, group, monkeypatch
) -> None:
    """The tab vanished (a closed lid, a dead network) just as an event was sent to it: the send
    fails and the consumer ends without its ``disconnect``. Its heartbeat must end with it, or
    it would keep the agent present (and sign them back in) for as long as their session lives."""
    from uvicorn.protocols.utils import ClientDisconnected

    from contactcenter.consumers import EventsConsumer
    from contactcenter.events import publish_now, user_group

    settings.AGENT_PRESENCE_HEARTBEAT = 0.1
    ana = member(make_campaign(supervisor), make_user("ana", "agent", [group]), signed_in=False)
    socket = EventSocket(live_url, ana)
    assert wait_until(lambda: AgentStatus.objects.filter(agent=ana, signed_in=True).exists(), 5)

    async def send_fails(self, message) -> None:
        raise ClientDisconnected

    monkeypatch.setattr(EventsConsumer, "event_forward", send_fails)
    publish_now(user_group(ana.pk), "test.marker", {})
    assert socket.closed_code() in (None, 1006, 1011)  # the server dropped it
    time.sleep(0.3)  # a heartbeat still running would refresh last_seen_at every 0.1 s
    before = AgentStatus.objects.get(agent=ana).last_seen_at
    time.sleep(0.5)
    assert AgentStatus.objects.get(agent=ana).last_seen_at == before


def test_a_supervisors_socket_is_no_presence(live_url, supervisor) -> None:
    socket = EventSocket(live_url, supervisor)
    socket.everything_so_far()
    assert not AgentStatus.objects.filter(agent=supervisor, signed_in=True).exists()
    socket.close()


def test_a_break_stops_new_assignments_and_its_end_takes_the_waiting_one(supervisor, group) -> None:
    campaign = make_campaign(supervisor)
    ana = member(campaign, make_user("ana", "agent", [group]))
    for name in ("Lunch", "Coffee"):  # seeded by a migration; the tests empty every table
        BreakType.objects.get_or_create(name=name)
    with pytest.raises(ValidationError) as refused:
        set_break(ana, "Siesta")
    assert "break_type" in refused.value.message_dict
    set_break(ana, "Lunch")
    assert state_of(ana) == AgentState.FREE_ON_BREAK
    waiting = written(campaign, "099000001")
    assert waiting.state == InteractionState.QUEUED
    assert assign_waiting(campaign.pk) == []
    set_break(ana, "")
    waiting.refresh_from_db()
    assert (waiting.state, waiting.agent) == (InteractionState.ASSIGNED, ana)
    assert state_of(ana) == AgentState.BUSY
    set_break(ana, "Coffee")
    assert state_of(ana) == AgentState.BUSY_ON_BREAK
    assert sign_out(ana.pk) == 1
    assert AgentStatus.objects.get(agent=ana).break_type == ""
    moves = list(
        AgentStateChange.objects.filter(agent=ana)
        .order_by("at", "pk")
        .values_list("to_state", "break_type")
    )
    assert moves[-4:] == [
        (AgentState.FREE, ""),
        (AgentState.BUSY, ""),
        (AgentState.BUSY_ON_BREAK, "Coffee"),
        (AgentState.DISCONNECTED, ""),
    ]


def test_changing_the_break_type_alone_is_recorded_and_published(supervisor, group) -> None:
    campaign = make_campaign(supervisor)
    ana = member(campaign, make_user("ana", "agent", [group]))
    for name in ("Lunch", "Training"):
        BreakType.objects.get_or_create(name=name)
    set_break(ana, "Lunch")
    set_break(ana, "Training")  # same state (free on break), another break type
    status = AgentStatus.objects.get(agent=ana)
    assert (status.state, status.break_type) == (AgentState.FREE_ON_BREAK, "Training")
    moves = list(
        AgentStateChange.objects.filter(agent=ana)
        .order_by("at", "pk")
        .values_list("from_state", "to_state", "break_type")
    )
    assert moves[-2:] == [
        (AgentState.FREE, AgentState.FREE_ON_BREAK, "Lunch"),
        (AgentState.FREE_ON_BREAK, AgentState.FREE_ON_BREAK, "Training"),
    ]
