"""Agent status rows: locked, recorded, published.

An agent's state is derived (SPEC §3a) by conversations' presence rules from three facts kept
here: signed in and seen recently (presence), a break type chosen, and their load. This module
stores the result, timestamps every change in AgentStateChange and publishes it after commit.
The row of AgentStatus is also the agent's lock: whoever changes an agent's load or state holds
it (``lock_status``), so assignments never push an agent above a maximum.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from agents.models import AgentStateChange, AgentStatus, BreakType
from agents.states import AgentState, can_change
from campaigns.models import CampaignMember
from contactcenter.events import campaign_group, publish, user_group

logger = logging.getLogger("contactcenter.agents")


def agent_state(agent: User) -> str:
    status = AgentStatus.objects.filter(agent=agent).first()
    return status.state if status else AgentState.DISCONNECTED


def lock_status(agent_id: int) -> AgentStatus:
    """The agent's status row, locked until the transaction ends (created when missing)."""
    AgentStatus.objects.get_or_create(agent_id=agent_id)
    return AgentStatus.objects.select_for_update().get(agent_id=agent_id)


def lock_statuses(agent_ids: list[int]) -> dict[int, AgentStatus]:
    """Several agents' rows, locked in one order (by agent id) so two lockers never deadlock."""
    ids = sorted(set(agent_ids))
    existing = set(AgentStatus.objects.filter(agent_id__in=ids).values_list("agent_id", flat=True))
    AgentStatus.objects.bulk_create(
        [AgentStatus(agent_id=i) for i in ids if i not in existing], ignore_conflicts=True
    )
    rows = AgentStatus.objects.select_for_update().filter(agent_id__in=ids).order_by("agent_id")
    return {row.agent_id: row for row in rows}


def break_type_named(name: str) -> str:
    """``name`` when it is a configured break type; ValidationError naming ``break_type``."""
    name = (name or "").strip()
    if not name or not BreakType.objects.filter(name=name).exists():
        known = ", ".join(BreakType.objects.values_list("name", flat=True)) or "-"
        raise ValidationError(
            {
                "break_type": gettext("Unknown break type “%(name)s”; choose one of %(known)s.")
                % {"name": name, "known": known}
            }
        )
    return name


def record_state(status: AgentStatus, *, state: str, break_type: str = "") -> bool:
    """Store ``state`` on the locked ``status``; True when it changed (history row written and
    ``agent.state`` published after commit)."""
    if status.state == state and status.break_type == break_type:
        return False
    if status.state != state and not can_change(status.state, state):
        # Derived states follow what happened; an unexpected move is logged, never refused.
        logger.warning(
            "unexpected agent state move",
            extra={"agent": status.agent_id, "from": status.state, "to": state},
        )
    now = timezone.now()
    AgentStateChange.objects.create(
        agent_id=status.agent_id,
        from_state=status.state,
        to_state=state,
        break_type=break_type,
        at=now,
    )
    status.state, status.break_type, status.changed_at = state, break_type, now
    status.save(update_fields=["state", "break_type", "changed_at"])
    payload = {
        "agent": status.agent_id,
        "state": state,
        "break_type": break_type,
        "at": now.isoformat(),
    }
    for group in state_groups(status.agent_id):
        publish(group, "agent.state", payload)
    return True


def state_groups(agent_id: int) -> list[str]:
    """Who is told of the agent's state: the agent, and the monitors of their campaigns."""
    campaigns = CampaignMember.objects.filter(agent_id=agent_id).values_list(
        "campaign_id", flat=True
    )
    return [user_group(agent_id), *(campaign_group(c) for c in sorted(campaigns))]
