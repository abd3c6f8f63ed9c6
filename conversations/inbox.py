"""Reads for the agent's inbox page: the list (open interactions first, then recent closed ones,
by last activity, searchable by campaign name or customer number) and the customer's previous
interactions (the three-dot menu).

The list is two ranges of one index (``agent_interactions``: agent, state, last activity), each
with the last message's text as a subquery: one query per range, whatever the list's length.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from campaigns.models import CampaignMember
from conversations.models import Interaction, Message
from conversations.replies import whatsapp_window_closed
from conversations.selectors import interactions_for
from conversations.states import InteractionState
from providers.text import whatsapp_window_reason

RECENT_CLOSED = 30  # closed interactions the list shows under the open ones
HISTORY_SIZE = 50  # previous interactions of a customer the menu lists
PREVIEW_CHARS = 120


def _with_summary(interactions: QuerySet[Interaction]) -> QuerySet[Interaction]:
    last = Message.objects.filter(interaction=OuterRef("pk")).order_by("-id")
    return interactions.select_related("campaign", "provider").annotate(
        preview=Subquery(last.values("text")[:1]),
        preview_author=Subquery(last.values("author")[:1]),
    )


def _search(interactions: QuerySet[Interaction], query: str) -> QuerySet[Interaction]:
    """Campaign name (any part of it) or customer number (any run of its digits, spaces and
    a leading trunk 0 ignored)."""
    query = query.strip()
    if not query:
        return interactions
    found = Q(campaign__name__icontains=query)
    # A national number's trunk 0 (099 123 456) is not in the stored +59899123456.
    digits = re.sub(r"\D", "", query).lstrip("0")
    if len(digits) >= 3:
        found |= Q(number__contains=digits)
    return interactions.filter(found)


def inbox_for(agent: User, *, query: str = "") -> list[Interaction]:
    """The agent's list: every interaction they hold (most recent activity first), then the
    last RECENT_CLOSED they closed or held last. Each carries ``preview`` (the last message's
    text) and ``preview_author``."""
    mine = Interaction.objects.filter(agent=agent)
    open_ = _search(mine.filter(state=InteractionState.ASSIGNED), query)
    closed = _search(mine.filter(state=InteractionState.CLOSED), query)
    order = ("-last_activity_at", "-id")
    return [
        *_with_summary(open_).order_by(*order),
        *_with_summary(closed).order_by(*order)[:RECENT_CLOSED],
    ]


def composer_closed_reason(interaction: Interaction) -> str:
    """Why the agent cannot write in this interaction now ("" when they can)."""
    if interaction.state == InteractionState.CLOSED:
        return _("This interaction is closed.")
    if whatsapp_window_closed(interaction):
        return whatsapp_window_reason()
    return ""


def history_of(user: User, interaction: Interaction) -> QuerySet[Interaction]:
    """The customer's other, closed interactions that ``user`` may read: for an agent, those in
    the campaigns they are a member of (whoever held them: the history is the customer's, and a
    closed conversation is nobody's work any more; open ones stay their holders' only); for a
    supervisor or admin, those their scope shows. Newest first."""
    if user.role == Role.AGENT:
        campaigns = CampaignMember.objects.filter(agent=user).values("campaign_id")
        visible = Interaction.objects.filter(campaign_id__in=campaigns)
    else:
        visible = interactions_for(user)
    return (
        visible.filter(number=interaction.number, state=InteractionState.CLOSED)
        .exclude(pk=interaction.pk)
        .select_related("campaign", "agent")
        .order_by("-opened_at", "-id")
    )


def history_entry(item: Interaction) -> dict[str, Any]:
    return {
        "id": item.pk,
        "campaign": item.campaign_id,
        "campaign_name": item.campaign.name,
        "number": item.number,
        "agent_name": (item.agent.get_full_name() or item.agent.username) if item.agent else "",
        "opened_at": item.opened_at,
        "closed_at": item.closed_at,
    }
