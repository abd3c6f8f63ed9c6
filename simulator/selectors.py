"""What the simulator may touch: campaigns the user sees (``campaigns.selectors``) whose
provider is a Sandbox, and one customer's conversation in one of them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import User
from campaigns.models import Campaign
from campaigns.selectors import campaigns_for
from contactcenter.lookups import one_or_404
from conversations.events import shown_delivery
from conversations.models import Interaction, Message
from conversations.states import Direction
from providers.adapters.sandbox import Sandbox

SHOWN_MESSAGES = 200  # the newest ones; a simulated conversation is short


def sandbox_campaigns(user: User) -> QuerySet[Campaign]:
    """Campaigns of the user's groups (all for admins) on a Sandbox provider."""
    return (
        campaigns_for(user)
        .filter(provider__api_type=Sandbox.api_type)
        .select_related("provider")
        .order_by("name")
    )


def sandbox_campaign_for_user(*, user: User, pk: Any) -> Campaign:
    """The campaign, or 404 (not there, outside the user's groups, or not on a sandbox)."""
    return one_or_404(sandbox_campaigns(user), pk, "No such campaign.")


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def message_row(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "direction": message.direction,
        "author": message.author,
        "agent": _name(message.agent),
        "bot_kind": message.bot_kind,
        "text": message.text,
        "segments": message.segments,
        "routing": message.routing if message.direction == Direction.IN else "",
        "delivery": (shown_delivery(message) or "") if message.direction == Direction.OUT else "",
        "error": message.error,
        "created_at": message.created_at.isoformat(),
    }


def interaction_row(interaction: Interaction | None) -> dict[str, Any] | None:
    if interaction is None:
        return None
    return {
        "id": interaction.pk,
        "state": interaction.state,
        "agent": _name(interaction.agent),
        "close_reason": interaction.close_reason,
    }


def conversation(*, campaign: Campaign, number: str) -> dict[str, Any]:
    """The customer's messages in ``campaign`` (every interaction of theirs there, oldest
    first, the newest SHOWN_MESSAGES), those still waiting for routing included, and the
    latest interaction's state."""
    messages = (
        Message.objects.filter(provider_id=campaign.provider_id, number=number)
        .filter(
            Q(interaction__campaign=campaign)
            | Q(interaction__isnull=True, direction=Direction.IN, did=campaign.did)
        )
        .select_related("agent")
        .order_by("-id")[:SHOWN_MESSAGES]
    )
    latest = (
        Interaction.objects.filter(campaign=campaign, number=number)
        .select_related("agent")
        .order_by("-opened_at", "-id")
        .first()
    )
    return {
        "campaign": campaign.pk,
        "number": number,
        "interaction": interaction_row(latest),
        "messages": [message_row(m) for m in reversed(list(messages))],
    }
