"""An agent's load (interactions assigned to them, over all campaigns) and the state it gives.

State = f(signed in and present, break chosen, load) (SPEC §3a): ``disconnected`` (signed out,
or nothing heard for AGENT_PRESENCE_GRACE seconds), ``free`` (load 0), ``busy`` (load ≥ 1), and
the two ``_on_break`` forms while a break type is chosen (no new assignments).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from agents.models import AgentStatus
from agents.services import record_state
from agents.states import AgentState
from conversations.models import Interaction
from conversations.states import InteractionState


def loads(agent_ids: Iterable[int]) -> dict[int, int]:
    """Each agent's load: interactions assigned to them, over all campaigns."""
    ids = list(agent_ids)
    counted = (
        Interaction.objects.filter(agent_id__in=ids, state=InteractionState.ASSIGNED)
        .values("agent_id")
        .annotate(n=Count("pk"))
    )
    found = {row["agent_id"]: row["n"] for row in counted}
    return {i: found.get(i, 0) for i in ids}


def derived_state(status: AgentStatus, load: int) -> str:
    if not status.signed_in:
        return AgentState.DISCONNECTED
    if status.break_type:
        return AgentState.BUSY_ON_BREAK if load else AgentState.FREE_ON_BREAK
    return AgentState.BUSY if load else AgentState.FREE


def refresh_state(status: AgentStatus, *, load: int | None = None) -> bool:
    """Store the state the locked ``status`` and the agent's load give; True when it changed."""
    if load is None:
        load = loads([status.agent_id])[status.agent_id]
    return record_state(status, state=derived_state(status, load), break_type=status.break_type)
