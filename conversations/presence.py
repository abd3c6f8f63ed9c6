"""Agent presence and derived states (SPEC §3a).

State = f(signed in and present, break chosen, load): ``disconnected`` (signed out, or nothing
heard for AGENT_PRESENCE_GRACE seconds), ``free`` (load 0), ``busy`` (load ≥ 1), and the two
``_on_break`` forms while a break type is chosen (no new assignments). Presence comes from an
open inbox socket (contactcenter.consumers refreshes ``last_seen_at``) or from API calls to
``/api/v1/agents/me/state``. Signing out and losing presence send the agent's interactions back
to the head of their queues with their original waiting time.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from agents.models import AgentStatus
from agents.services import break_type_named, lock_status, record_state
from conversations import events
from conversations.assignment import assign_for_agent, assign_waiting, release
from conversations.load import derived_state, loads, refresh_state
from conversations.models import Interaction
from conversations.states import InteractionState


def _after_commit_assign(agent_id: int) -> None:
    transaction.on_commit(lambda: assign_for_agent(agent_id))


def sign_in(agent: User, *, now: dt.datetime | None = None) -> AgentStatus:
    """The agent is here (web login, a socket or an API call after an absence): present, and
    their campaigns' waiting interactions may come to them."""
    now = now or timezone.now()
    with transaction.atomic():
        status = lock_status(agent.pk)
        was_in = status.signed_in
        status.signed_in, status.last_seen_at = True, now
        status.save(update_fields=["signed_in", "last_seen_at"])
        refresh_state(status)
        if not was_in:
            _after_commit_assign(agent.pk)
    return status


def seen(agent: User, *, now: dt.datetime | None = None) -> None:
    """A sign of life (socket heartbeat). Signs the agent back in after a lapse."""
    now = now or timezone.now()
    updated = AgentStatus.objects.filter(agent=agent, signed_in=True).update(last_seen_at=now)
    if not updated:
        sign_in(agent, now=now)


def sign_out(
    agent_id: int,
    *,
    reason: str = "signed_out",
    now: dt.datetime | None = None,
    unless_seen_since: dt.datetime | None = None,
) -> int:
    """Disconnect the agent (logout, forced logout, presence lost): their break ends and their
    interactions go back to the head of their queues. Returns how many were requeued (-1: the
    agent was seen after ``unless_seen_since`` and stays)."""
    now = now or timezone.now()
    with transaction.atomic():
        status = lock_status(agent_id)
        if unless_seen_since is not None and (
            not status.signed_in
            or (status.last_seen_at is not None and status.last_seen_at >= unless_seen_since)
        ):
            return -1
        now = max(now, timezone.now())  # releases stamped after the agent's lock
        status.signed_in, status.break_type = False, ""
        status.save(update_fields=["signed_in", "break_type"])
        requeued = _requeue(agent_id, reason=reason, now=now)
        refresh_state(status, load=0)
    return requeued


def requeue_held(
    agent_id: int, campaign_ids: list[int], *, reason: str, now: dt.datetime | None = None
) -> int:
    """The agent's active interactions of these campaigns go back to the head of their queues
    (the agent left the campaigns; they stay signed in for the others). Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        status = lock_status(agent_id)
        requeued = _requeue(
            agent_id, reason=reason, now=max(now, timezone.now()), campaign_ids=campaign_ids
        )
        if requeued:
            refresh_state(status)
    return requeued


def _requeue(
    agent_id: int, *, reason: str, now: dt.datetime, campaign_ids: list[int] | None = None
) -> int:
    """Requeue what the (locked) agent holds, of ``campaign_ids`` or of every campaign, with
    its original waiting time; the freed queues are assigned after commit."""
    held_rows = Interaction.objects.select_for_update(no_key=True).filter(
        agent_id=agent_id, state=InteractionState.ASSIGNED
    )
    if campaign_ids is not None:
        held_rows = held_rows.filter(campaign_id__in=campaign_ids)
    held = list(held_rows)
    for interaction in held:
        release(interaction, reason=reason, now=now)
        interaction.state, interaction.agent = InteractionState.QUEUED, None
        interaction.queued_at = interaction.queued_at or interaction.opened_at
        interaction.save(update_fields=["state", "agent", "queued_at"])
        events.next_seq(interaction)
        events.interaction_changed(interaction, "interaction.queued", previous_agent=agent_id)
    campaigns = sorted({i.campaign_id for i in held})
    for campaign_id in campaigns:
        events.queue_length(campaign_id)
    transaction.on_commit(lambda: [assign_waiting(c) for c in campaigns])
    return len(held)


def set_break(agent: User, break_type: str, *, now: dt.datetime | None = None) -> AgentStatus:
    """Start a break of a configured type, or end it (``""``). Counts as a sign of life."""
    if break_type:
        break_type = break_type_named(break_type)
    now = now or timezone.now()
    with transaction.atomic():
        status = lock_status(agent.pk)
        ended = bool(status.break_type) and not break_type
        was_in = status.signed_in
        status.signed_in, status.last_seen_at = True, now
        status.save(update_fields=["signed_in", "last_seen_at"])
        # The state follows from the new break type; record_state stores both, so a change of
        # type alone (lunch -> training) is recorded and published too.
        previous, status.break_type = status.break_type, break_type
        state = derived_state(status, loads([agent.pk])[agent.pk])
        status.break_type = previous
        record_state(status, state=state, break_type=break_type)
        if ended or not was_in:
            _after_commit_assign(agent.pk)
    return status


def absent_agents(now: dt.datetime | None = None) -> list[int]:
    """Signed-in agents nobody has heard from for AGENT_PRESENCE_GRACE seconds."""
    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.AGENT_PRESENCE_GRACE)
    return list(
        AgentStatus.objects.filter(signed_in=True, last_seen_at__lt=since).values_list(
            "agent_id", flat=True
        )
    )


def expire_absent(now: dt.datetime | None = None) -> int:
    """Disconnect every agent whose presence lapsed; returns how many."""
    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.AGENT_PRESENCE_GRACE)
    count = 0
    for agent_id in absent_agents(now):
        # Checked again under the agent's lock: a heartbeat may have come in meanwhile.
        if sign_out(agent_id, reason="no_presence", now=now, unless_seen_since=since) >= 0:
            count += 1
    return count
