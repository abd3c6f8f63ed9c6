from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from agents.models import AgentStateChange
from agents.services import agent_state, change_agent_state
from agents.states import ALLOWED_TRANSITIONS, AgentState
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


def test_forbidden_transition_is_refused_and_changes_nothing(agent):
    with pytest.raises(ValidationError, match="cannot go from disconnected to busy"):
        change_agent_state(agent=agent, state=AgentState.BUSY)
    assert agent_state(agent) == AgentState.DISCONNECTED
    assert not AgentStateChange.objects.exists()


def test_only_agents_have_states(supervisor):
    with pytest.raises(ValidationError, match="is not an agent"):
        change_agent_state(agent=supervisor, state=AgentState.FREE)


def test_break_types_are_recorded(agent):
    change_agent_state(agent=agent, state=AgentState.FREE)
    change_agent_state(agent=agent, state=AgentState.FREE_ON_BREAK, break_type="Lunch")
    latest = AgentStateChange.objects.first()
    assert (latest.to_state, latest.break_type) == ("free_on_break", "Lunch")
