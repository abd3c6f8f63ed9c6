"""Assignment: who holds which interaction, race-free (SPEC §3, §3a).

Locks (PostgreSQL row locks, ``SELECT ... FOR UPDATE``), always taken in this order so that two
workers never wait on each other in a circle:

1. the campaign row (``assign_waiting``, routing): one assigner per campaign at a time;
2. the agents' AgentStatus rows, by agent id (``agents.services.lock_statuses``): whoever
   changes an agent's load holds them, so two campaigns sharing an agent never both fill its
   last slot;
3. the interaction rows.

Campaign and interaction rows are locked ``FOR NO KEY UPDATE`` (``no_key=True``): exclusive
among lockers, but not against the ``FOR KEY SHARE`` of foreign-key checks. Django's foreign
keys are checked at COMMIT (deferred), so with ``FOR UPDATE`` a transaction holding an agent
that had inserted a row naming the campaign (an Assignment) waited at COMMIT for the campaign
row behind an assigner waiting for that agent: a deadlock (found by
tests/conversations/test_concurrency.py).

Closing and requeueing start at step 2 (the agent), then the interaction; nothing that holds
an agent or an interaction asks for a campaign. Work that follows a change (a freed slot, an
agent back from a break) runs after commit, in a transaction of its own.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from agents.models import AgentStatus
from agents.services import lock_statuses
from agents.states import AgentState
from campaigns.models import Campaign, CampaignMember, Strategy
from campaigns.selectors import campaign_is_open
from campaigns.strategies import AgentLoad, choose_agent, eligible
from conversations import events
from conversations.load import loads, refresh_state
from conversations.models import Assignment, Interaction
from conversations.states import InteractionState


def member_order(campaign_id: int) -> list[int]:
    """The campaign's agents in member order (the order they were added)."""
    return list(
        CampaignMember.objects.filter(
            campaign_id=campaign_id, agent__role=Role.AGENT, agent__is_active=True
        )
        .order_by("added_at", "pk")
        .values_list("agent_id", flat=True)
    )


def can_take(status: AgentStatus) -> bool:
    """Present and not on a break (load is checked against each campaign's maximum)."""
    return status.state != AgentState.DISCONNECTED and not status.break_type


def _start_of_day(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def assign_waiting(campaign_id: int, *, now: dt.datetime | None = None) -> list[Interaction]:
    """Give the campaign's waiting interactions, oldest first, to its members who can take
    them, by the campaign's strategy; returns the interactions assigned. Nothing happens while
    the campaign is disabled or closed."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(no_key=True).filter(pk=campaign_id).first()
        if campaign is None or not campaign_is_open(campaign, now):
            return []
        members = member_order(campaign_id)
        statuses = lock_statuses(members)
        # Stamped after the agents' locks (not before waiting for them): the Assignment history
        # then orders as the locks did, after the release that freed a slot.
        now = max(now, timezone.now())
        _end_closed_period(campaign_id, now)  # open, even while disabled
        if not campaign.enabled or not members:
            return []
        ready = [a for a in members if can_take(statuses[a])]
        load = loads(ready)
        most = campaign.max_interactions_per_agent
        free_slots = sum(max(0, most - load[a]) for a in ready)
        if not free_slots:
            return []
        queue = list(
            Interaction.objects.select_for_update(no_key=True)
            .filter(campaign_id=campaign_id, state=InteractionState.QUEUED)
            .order_by("queued_at", "pk")[:free_slots]
        )
        if not queue:
            return []
        handled, last_at = _history(campaign.strategy, ready, now)
        last_agent = (
            Assignment.objects.filter(campaign_id=campaign_id)
            .order_by("-assigned_at", "-pk")
            .values_list("agent_id", flat=True)
            .first()
        )
        assigned: list[Interaction] = []
        chosen_ids: list[int] = []
        for interaction in queue:
            pool = [
                AgentLoad(
                    agent_id=a,
                    active=load[a],
                    handled_today=handled[a],
                    last_assigned_at=last_at.get(a),
                )
                for a in ready
            ]
            chosen = choose_agent(
                campaign.strategy,
                eligible(pool, most),
                last_agent_id=last_agent,
                member_order=members,
            )
            if chosen is None:
                break
            agent_id = chosen.agent_id
            _assign(interaction, agent_id, now)
            chosen_ids.append(agent_id)
            load[agent_id] += 1
            handled[agent_id] += 1
            last_at[agent_id] = now
            last_agent = agent_id
            assigned.append(interaction)
        _store_assignments(assigned, now)
        for agent_id in set(chosen_ids):
            refresh_state(statuses[agent_id], load=load[agent_id])
        if assigned:
            events.queue_length(campaign_id)
    return assigned


def _history(
    strategy: str, agents: list[int], now: dt.datetime
) -> tuple[dict[int, int], dict[int, dt.datetime | None]]:
    """What the strategy needs of the agents' past: interactions assigned today (fewest) and
    the time of their latest assignment (least recent, and fewest's ties). Read only for the
    strategies that use them: the latest assignment is one index lookup per agent, never a
    scan of their history."""
    handled = dict.fromkeys(agents, 0)
    last_at: dict[int, dt.datetime | None] = {}
    if strategy == Strategy.FEWEST_INTERACTIONS:
        counted = (
            Assignment.objects.filter(agent_id__in=agents, assigned_at__gte=_start_of_day(now))
            .values("agent_id")
            .annotate(n=Count("pk"))
        )
        handled.update({row["agent_id"]: row["n"] for row in counted})
    if strategy in (Strategy.FEWEST_INTERACTIONS, Strategy.LEAST_RECENT):
        latest = Assignment.objects.filter(agent_id=OuterRef("pk")).order_by("-assigned_at")
        last_at = dict(
            User.objects.filter(pk__in=agents)
            .annotate(last=Subquery(latest.values("assigned_at")[:1]))
            .values_list("pk", "last")
        )
    return handled, last_at


def _end_closed_period(campaign_id: int, now: dt.datetime) -> None:
    """The campaign is open: the closed period of every out-of-time reply sent to its waiting
    customers is over, even when the reply's ``out_of_time_until`` (the opening foreseen then)
    lies ahead: the schedule changed since, or had no opening in sight (``FAR_FUTURE``). A
    customer who writes in the next closed period is answered again (routing, once per period).
    Row locks: after the campaign and the agents, as every assigner takes them."""
    Interaction.objects.filter(
        campaign_id=campaign_id, state=InteractionState.QUEUED, out_of_time_until__gt=now
    ).update(out_of_time_until=None)


def _assign(interaction: Interaction, agent_id: int, now: dt.datetime) -> None:
    """Give the (locked) interaction to the agent, in memory; ``_store_assignments`` writes."""
    interaction.state = InteractionState.ASSIGNED
    interaction.agent_id = agent_id
    interaction.assigned_at = now
    interaction.last_activity_at = max(interaction.last_activity_at, now)
    interaction.out_of_time_until = None  # assigned while open: its closed period is over
    interaction.seq += 1  # the row is locked and was read under the lock: this is the next


def _store_assignments(assigned: list[Interaction], now: dt.datetime) -> None:
    """An UPDATE per agent for the interactions and one INSERT for their history, however many
    were assigned in this pass; then each one's event."""
    if not assigned:
        return
    by_agent: dict[int, list[int]] = {}
    for interaction in assigned:
        by_agent.setdefault(interaction.agent_id, []).append(interaction.pk)
    for agent_id, ids in by_agent.items():  # one short UPDATE per agent (bulk_update's CASE
        # expressions cost more in Python than the statements they save)
        Interaction.objects.filter(pk__in=ids).update(
            state=InteractionState.ASSIGNED,
            agent_id=agent_id,
            assigned_at=now,
            last_activity_at=Greatest(F("last_activity_at"), Value(now)),
            out_of_time_until=None,
            seq=F("seq") + 1,  # each row was read under its lock: its new seq is in memory
        )
    Assignment.objects.bulk_create(
        Assignment(interaction=i, campaign_id=i.campaign_id, agent_id=i.agent_id, assigned_at=now)
        for i in assigned
    )
    for interaction in assigned:
        events.interaction_changed(interaction, "interaction.assigned")


def release(interaction: Interaction, *, reason: str, now: dt.datetime) -> None:
    """End the current holder's assignment (the caller holds the agent and the interaction)."""
    Assignment.objects.filter(interaction=interaction, released_at__isnull=True).update(
        released_at=now, release_reason=reason
    )


def campaigns_waiting_for(agent_id: int) -> list[int]:
    """The agent's campaigns that have interactions waiting (a slot of theirs just freed)."""
    return list(
        Campaign.objects.filter(
            members__agent_id=agent_id, interactions__state=InteractionState.QUEUED
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def assign_for_agent(agent_id: int) -> int:
    """After an agent's slot freed (close, back from break, signed in): fill it."""
    return sum(len(assign_waiting(c)) for c in campaigns_waiting_for(agent_id))


def campaigns_with_queue() -> list[int]:
    return list(
        Interaction.objects.filter(state=InteractionState.QUEUED)
        .values_list("campaign_id", flat=True)
        .distinct()
    )
