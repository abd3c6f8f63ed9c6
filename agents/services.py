"""Agent state changes: validated against the allowed transitions, recorded, published."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from agents.models import AgentStateChange, AgentStatus
from agents.states import AgentState, can_change
from contactcenter.events import publish, user_group


def agent_state(agent: User) -> str:
    status = AgentStatus.objects.filter(agent=agent).first()
    return status.state if status else AgentState.DISCONNECTED


@transaction.atomic
def change_agent_state(*, agent: User, state: str, break_type: str = "") -> AgentStatus:
    """Move ``agent`` to ``state``.

    Repeating the current state is a no-op; a move the state machine forbids raises
    ValidationError and changes nothing.
    """
    if not agent.is_agent:
        raise ValidationError(
            {"agent": gettext("%(name)s is not an agent.") % {"name": agent.username}}
        )
    status, _ = AgentStatus.objects.select_for_update().get_or_create(agent=agent)
    if status.state == state and status.break_type == break_type:
        return status
    if status.state != state and not can_change(status.state, state):
        raise ValidationError(
            {
                "state": gettext("An agent cannot go from %(from)s to %(to)s.")
                % {"from": status.state, "to": state}
            }
        )
    now = timezone.now()
    AgentStateChange.objects.create(
        agent=agent, from_state=status.state, to_state=state, break_type=break_type, at=now
    )
    status.state, status.break_type, status.changed_at = state, break_type, now
    status.save()
    publish(user_group(agent.pk), "agent.state", {"state": state, "break_type": break_type})
    return status
