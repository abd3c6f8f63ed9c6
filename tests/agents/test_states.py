"""Agent states are derived (SPEC §3a): signed in and present, a break chosen, and the load give
the state; every change is a timestamped AgentStateChange."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError

from agents.models import AgentStateChange, AgentStatus, BreakType
from agents.services import agent_state, lock_status, record_state
from agents.states import ALLOWED_TRANSITIONS, AgentState
from conversations.closing import close_interaction
from conversations.load import derived_state
from conversations.models import Interaction
from conversations.presence import set_break, sign_in, sign_out
from conversations.routing import route_message
from tests.campaigns.factories import make_campaign, provider
from tests.conftest import PASSWORD
from tests.conversations.factories import inbound, member

S = AgentState


def history(agent) -> list[tuple[str, str, str]]:
    """The agent's state changes, oldest first: (from, to, break type)."""
    changes = AgentStateChange.objects.filter(agent=agent).order_by("at", "pk")
    return list(changes.values_list("from_state", "to_state", "break_type"))


def test_every_state_has_its_transitions():
    assert set(ALLOWED_TRANSITIONS) == set(AgentState.values)
    for state, targets in ALLOWED_TRANSITIONS.items():
        assert state not in targets
        assert targets <= set(AgentState.values)


@pytest.mark.parametrize(
    ("signed_in", "break_type", "load", "state"),
    [
        (False, "", 0, S.DISCONNECTED),
        (False, "", 2, S.DISCONNECTED),
        (True, "", 0, S.FREE),
        (True, "", 1, S.BUSY),
        (True, "Lunch", 0, S.FREE_ON_BREAK),
        (True, "Lunch", 3, S.BUSY_ON_BREAK),
    ],
)
def test_the_state_is_derived_from_presence_break_and_load(signed_in, break_type, load, state):
    status = AgentStatus(signed_in=signed_in, break_type=break_type)
    assert derived_state(status, load) == state


@pytest.mark.django_db
def test_signing_in_frees_the_agent_and_signing_out_disconnects(client, agent):
    assert agent_state(agent) == S.DISCONNECTED
    client.post("/login/", {"username": agent.username, "password": PASSWORD})
    assert agent_state(agent) == S.FREE
    html = client.get("/inbox/").content.decode()
    assert 'data-testid="agent-state"' in html and ">Free<" in html
    client.post("/logout/")
    assert agent_state(agent) == S.DISCONNECTED
    assert history(agent) == [("disconnected", "free", ""), ("free", "disconnected", "")]


@pytest.mark.django_db
def test_recording_the_same_state_writes_nothing(agent):
    with_lock = lock_status(agent.pk)
    assert record_state(with_lock, state=S.FREE) is True
    assert record_state(with_lock, state=S.FREE) is False
    assert history(agent) == [("disconnected", "free", "")]
    assert AgentStatus.objects.get(agent=agent).state == S.FREE


@pytest.mark.django_db
def test_an_unexpected_move_is_recorded_and_logged_never_refused(agent, caplog):
    """Derived states follow what happened: a move the table does not list is logged."""
    with caplog.at_level(logging.WARNING, logger="contactcenter.agents"):
        assert record_state(lock_status(agent.pk), state=S.BUSY) is True
    assert agent_state(agent) == S.BUSY
    assert history(agent) == [("disconnected", "busy", "")]
    assert "unexpected agent state move" in caplog.text


@pytest.mark.django_db
def test_only_agents_have_states(client, supervisor):
    client.post("/login/", {"username": supervisor.username, "password": PASSWORD})
    client.post("/logout/")
    assert not AgentStatus.objects.filter(agent=supervisor).exists()
    assert not AgentStateChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_load_and_breaks_move_the_state_and_each_change_is_recorded(supervisor, agent):
    BreakType.objects.get_or_create(name="Lunch")  # seeded, but emptied by transactional tests
    campaign = make_campaign(supervisor, max_interactions_per_agent=2)
    member(campaign, agent)  # signed in: free
    route_message(inbound(provider(), "099123456").pk)
    assert agent_state(agent) == S.BUSY
    set_break(agent, "Lunch")
    assert agent_state(agent) == S.BUSY_ON_BREAK
    close_interaction(interaction_id=Interaction.objects.get().pk, by=agent)
    assert agent_state(agent) == S.FREE_ON_BREAK
    set_break(agent, "")
    assert agent_state(agent) == S.FREE
    sign_out(agent.pk)
    assert agent_state(agent) == S.DISCONNECTED
    assert history(agent) == [
        ("disconnected", "free", ""),
        ("free", "busy", ""),
        ("busy", "busy_on_break", "Lunch"),
        ("busy_on_break", "free_on_break", "Lunch"),
        ("free_on_break", "free", ""),
        ("free", "disconnected", ""),
    ]


@pytest.mark.django_db
def test_an_unknown_break_type_is_refused_and_changes_nothing(agent):
    sign_in(agent)
    with pytest.raises(ValidationError, match="Unknown break type"):
        set_break(agent, "Siesta")
    assert agent_state(agent) == S.FREE
    assert history(agent) == [("disconnected", "free", "")]
