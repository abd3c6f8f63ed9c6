from __future__ import annotations

import pytest

from agents.models import AgentStateChange, BreakType
from agents.services import agent_state
from agents.states import ALLOWED_TRANSITIONS, AgentState
from conversations.presence import set_break
from tests.conftest import PASSWORD


def test_every_state_has_its_transitions():
    assert set(ALLOWED_TRANSITIONS) == set(AgentState.values)
    for state, targets in ALLOWED_TRANSITIONS.items():
        assert state not in targets
        assert targets <= set(AgentState.values)


def test_signing_in_frees_the_agent_and_signing_out_disconnects(client, agent):
    assert agent_state(agent) == AgentState.DISCONNECTED
    client.post("/login/", {"username": agent.username, "password": PASSWORD})
    assert agent_state(agent) == AgentState.FREE
    html = client.get("/inbox/").content.decode()
    assert 'data-testid="agent-state"' in html and ">Free<" in html
    client.post("/logout/")
    assert agent_state(agent) == AgentState.DISCONNECTED
    assert list(
        AgentStateChange.objects.filter(agent=agent).values_list("from_state", "to_state")
    ) == [("free", "disconnected"), ("disconnected", "free")]


@pytest.mark.django_db
def test_only_agents_have_states(client, supervisor):
    client.post("/login/", {"username": supervisor.username, "password": PASSWORD})
    assert agent_state(supervisor) == AgentState.DISCONNECTED
    assert not AgentStateChange.objects.exists()


def test_break_types_are_recorded(agent):
    BreakType.objects.get_or_create(name="Lunch")
    set_break(agent, "Lunch")
    latest = AgentStateChange.objects.first()
    assert (latest.to_state, latest.break_type) == ("free_on_break", "Lunch")
