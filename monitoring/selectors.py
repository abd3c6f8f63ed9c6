"""Reads of supervision: an agent a supervisor may act on (404 otherwise), their info, their
live conversations for Spy (read-only: nothing here marks anything read), the chat thread."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, DurationField, ExpressionWrapper, F, QuerySet
from django.utils import timezone

from accounts.models import User
from agents.models import AgentStatus
from campaigns.models import Campaign
from campaigns.selectors import agents_for, campaigns_for
from contactcenter.lookups import one_or_404
from conversations.events import interaction_payload, message_payload
from conversations.models import Assignment, Interaction, Message
from conversations.states import InteractionState
from monitoring import figures
from monitoring.models import AuditAction, AuditEntry, ChatMessage
from monitoring.screen import watchers
from monitoring.services import chat_payload, display_name

SPY_MESSAGES = 50


def agent_for_user(*, user: User, pk: Any) -> User:
    """An agent of the user's security groups (every agent for admins), or 404."""
    return one_or_404(agents_for(user), pk, "No such agent.")


def _seconds(value: dt.timedelta | None) -> float | None:
    return round(value.total_seconds(), 1) if value is not None else None


def agent_info(*, user: User, agent: User, now: dt.datetime | None = None) -> dict[str, Any]:
    """Name, username, groups, campaigns (those the user sees), today's state history, today's
    interactions and their average first response and handling times."""
    now = now or timezone.now()
    start, end = figures.day_bounds(now)
    visible = campaigns_for(user)
    campaigns = Campaign.objects.filter(members__agent=agent, pk__in=visible).order_by("name")
    held = Assignment.objects.filter(
        agent=agent, assigned_at__gte=start, assigned_at__lt=end, campaign__in=visible
    )
    interactions = Interaction.objects.filter(pk__in=held.values("interaction_id"))
    first_response = ExpressionWrapper(
        F("first_reply_at") - F("assigned_at"), output_field=DurationField()
    )
    handling = ExpressionWrapper(F("closed_at") - F("assigned_at"), output_field=DurationField())
    averages = interactions.aggregate(
        first_response=Avg(first_response, filter=None),
        handling=Avg(handling),
    )
    history = agent.state_changes.filter(at__gte=start, at__lt=end).order_by("at")
    return {
        "id": agent.pk,
        "name": display_name(agent),
        "username": agent.username,
        "screen_monitoring": agent.screen_monitoring,
        "groups": list(agent.security_groups.values_list("name", flat=True)),
        "campaigns": list(campaigns.values_list("name", flat=True)),
        "history": [
            {
                "from": change.from_state,
                "to": change.to_state,
                "break_type": change.break_type,
                "at": change.at.isoformat(),
            }
            for change in history
        ],
        "interactions_today": interactions.count(),
        "closed_today": interactions.filter(state=InteractionState.CLOSED).count(),
        "avg_first_response": _seconds(averages["first_response"]),
        "avg_handling": _seconds(averages["handling"]),
    }


def spy_view(*, user: User, agent: User) -> list[dict[str, Any]]:
    """The agent's active conversations in the user's campaigns, each with its latest
    messages, oldest first. Read-only: the agent's unread counts are left as they are."""
    active = Interaction.objects.filter(
        agent=agent, state=InteractionState.ASSIGNED, campaign__in=campaigns_for(user)
    ).order_by("assigned_at", "id")
    result = []
    for interaction in active.select_related("campaign"):
        messages = Message.objects.filter(interaction=interaction).order_by("-id")[:SPY_MESSAGES]
        result.append(
            {
                "interaction": interaction_payload(interaction),
                "campaign_name": interaction.campaign.name,
                "messages": [message_payload(m) for m in reversed(list(messages))],
            }
        )
    return result


def chat_thread(agent: User, *, limit: int = 200) -> list[dict[str, Any]]:
    rows = ChatMessage.objects.filter(agent=agent).select_related("supervisor").order_by("-id")
    return [chat_payload(m) for m in reversed(list(rows[:limit]))]


def unread_for_agent(agent: User) -> int:
    return ChatMessage.objects.filter(agent=agent, from_agent=False, read_at__isnull=True).count()


def supervision_state(agent: User) -> dict[str, Any]:
    """What the agent's page shows at load: watched now, who paused the current break, chat."""
    status = AgentStatus.objects.filter(agent=agent).first()
    paused_by = ""
    pause = (
        AuditEntry.objects.filter(agent=agent, action=AuditAction.PAUSE)
        .select_related("actor")
        .first()
    )
    # That pause still runs: the agent is on its break type and no change of break since.
    if (
        status is not None
        and pause is not None
        and status.break_type
        and pause.detail == status.break_type
        and not agent.state_changes.filter(at__gt=pause.at)
        .exclude(break_type=pause.detail)
        .exists()
    ):
        paused_by = display_name(pause.actor)
    return {
        "screen_monitoring": agent.screen_monitoring,
        "watched": agent.screen_monitoring and watchers(agent.pk) > 0,
        "paused_by": paused_by,
        "break_type": status.break_type if status else "",
        "chat": chat_thread(agent),
        "unread": unread_for_agent(agent),
    }


def audit_entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor", "agent")
