"""An agent read their interaction: its unread count goes back to zero."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from contactcenter.service_errors import Conflict
from conversations import events
from conversations.models import Interaction


def mark_read(*, interaction_id: int, agent: User) -> Interaction:
    """Reset the unread count of an interaction ``agent`` holds (or held last, once closed) and
    tell their screens (``interaction.updated``). Conflict (409) when it is not theirs."""
    with transaction.atomic():
        interaction = Interaction.objects.select_for_update(no_key=True).get(pk=interaction_id)
        if interaction.agent_id != agent.pk:
            raise Conflict(_("This interaction is not assigned to you."))
        if interaction.unread:
            interaction.unread = 0
            interaction.save(update_fields=["unread"])
            events.next_seq(interaction)
            events.interaction_changed(interaction, "interaction.updated")
    return interaction
