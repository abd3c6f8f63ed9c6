"""Closing an interaction: frees the agent's slot, and the slot is filled after commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from agents.services import lock_status
from contactcenter.service_errors import Conflict
from conversations import events
from conversations.assignment import assign_for_agent, release
from conversations.load import refresh_state
from conversations.models import Interaction
from conversations.states import CloseReason, InteractionState


def close_interaction(
    *, interaction_id: int, by: User, reason: str = CloseReason.AGENT
) -> Interaction:
    """Close the interaction. Conflict (409) when it is already closed, or when an agent closes
    one that is no longer theirs."""
    holder = Interaction.objects.values_list("agent_id", flat=True).get(pk=interaction_id)
    with transaction.atomic():
        status = lock_status(holder) if holder else None  # the agent first, then the row
        interaction = Interaction.objects.select_for_update(no_key=True).get(pk=interaction_id)
        now = timezone.now()  # after the locks: the release orders as they did
        if interaction.state == InteractionState.CLOSED:
            raise Conflict(_("This interaction is already closed."))
        if interaction.agent_id != holder:
            # Moved while we waited for the lock (requeued, reassigned): the caller looks again.
            raise Conflict(_("This interaction changed hands; reload it."))
        if reason == CloseReason.AGENT and interaction.agent_id != by.pk:
            raise Conflict(_("This interaction is not assigned to you."))
        if holder:
            release(interaction, reason="closed", now=now)
        was_waiting = interaction.state == InteractionState.QUEUED
        interaction.state = InteractionState.CLOSED
        interaction.closed_at, interaction.closed_by, interaction.close_reason = now, by, reason
        interaction.last_activity_at = now
        interaction.save(
            update_fields=["state", "closed_at", "closed_by", "close_reason", "last_activity_at"]
        )
        events.next_seq(interaction)
        events.interaction_changed(interaction, "interaction.closed")
        if was_waiting:
            events.queue_length(interaction.campaign_id)
        if status is not None:
            refresh_state(status)
            transaction.on_commit(lambda: assign_for_agent(holder))
    return interaction
