"""Reads of interactions and messages, always scoped by who asks (SPEC §1).

- an admin sees every interaction;
- a supervisor sees the interactions of the campaigns of their security groups;
- an agent sees the interactions whose ``agent`` is them: the ones they hold now, and the closed
  ones they held last (closing keeps the holder). One that went back to the queue (logout,
  presence lost) and on to another agent is that agent's now, not theirs: an agent never sees
  another agent's interaction, and the list stays one index range (``agent_interactions``).

Anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Role
from agents.models import AgentStatus
from agents.states import AgentState
from campaigns.selectors import campaigns_for
from contactcenter.lookups import one_or_404
from conversations.load import loads
from conversations.models import Interaction, Message
from conversations.states import Routing


def interactions_for(user: User) -> QuerySet[Interaction]:
    """The interactions ``user`` may see (see the module's docstring)."""
    if user.role == Role.ADMIN:
        return Interaction.objects.all()
    if user.role == Role.SUPERVISOR:
        return Interaction.objects.filter(campaign__in=campaigns_for(user))
    if user.role == Role.AGENT:
        return Interaction.objects.filter(agent=user)
    return Interaction.objects.none()


def interaction_for_user(*, user: User, pk: Any) -> Interaction:
    """The interaction, or 404 when it does not exist or ``user`` may not see it."""
    return one_or_404(interactions_for(user), pk, "No such interaction.")


def messages_of(interaction: Interaction, *, after: int | None = None) -> QuerySet[Message]:
    """The interaction's messages; with ``after``, only those changed after that event number
    (``seq``), for a client catching up on missed events."""
    messages = Message.objects.filter(interaction=interaction).select_related("agent")
    if after is not None:
        messages = messages.filter(seq__gt=after)
    return messages


def message_for_user(*, user: User, pk: Any) -> Message:
    """A message of an interaction ``user`` may see, or 404."""
    visible = Message.objects.filter(interaction__in=interactions_for(user).values("pk"))
    return one_or_404(visible, pk, "No such message.")


def messages_outside_interactions(routing: str | None = None) -> QuerySet[Message]:
    """Inbound messages no interaction holds: waiting for routing, or that no campaign takes
    (admins only; the caller checks). Read through the partial index ``messages_to_route``."""
    waiting = [Routing.PENDING, Routing.UNROUTED]
    messages = Message.objects.filter(interaction__isnull=True, routing__in=waiting)
    if routing:
        messages = messages.filter(routing=routing)
    return messages


def agent_state_of(agent: User) -> dict[str, Any]:
    """What ``GET /api/v1/agents/me/state`` answers: the derived state, the break type, the
    load (interactions held over all campaigns) and when the state last changed."""
    status = AgentStatus.objects.filter(agent=agent).first()
    return {
        "state": status.state if status else AgentState.DISCONNECTED,
        "break_type": status.break_type if status else "",
        "load": loads([agent.pk])[agent.pk],
        "changed_at": status.changed_at if status else None,
    }
