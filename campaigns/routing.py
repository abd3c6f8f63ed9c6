"""Routing of inbound messages to campaigns: the one entry point webhooks hand messages to.

An inbound message finds its campaign by provider + DID (the number or port it was sent to);
failing that, a reply to a dialer message finds the campaign of the latest message the dialer
sent to that customer through the same provider (within DIALER_REPLY_DAYS). It joins that
campaign's queue. Assigning queued messages to agents (strategies, schedules, the
out-of-time reply) arrives with the agent inbox; a message no campaign takes is marked
``unrouted``: stored, visible, never lost, and routed again once a campaign takes its DID.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings

from campaigns.models import Campaign
from providers.models import InboundMessage

logger = logging.getLogger("contactcenter.routing")


def campaign_for_inbound(message: InboundMessage) -> Campaign | None:
    by_did = Campaign.objects.filter(provider_id=message.provider_id, did=message.recipient)
    return by_did.first() or campaign_replied_to(message)


def campaign_replied_to(message: InboundMessage) -> Campaign | None:
    """The campaign whose dialer last sent to this customer through this provider, recently."""
    from dialer.models import SpoolRow
    from dialer.numbers import normalise
    from dialer.states import SpoolState

    sender = message.sender.strip()
    spellings = {normalise(sender)}
    if sender.isdigit():  # international without the + (Vonage, many gateways)
        spellings.add(normalise("+" + sender))
    since = message.received_at - timedelta(days=settings.DIALER_REPLY_DAYS)
    row = (
        SpoolRow.objects.filter(
            number__in=spellings,
            state=SpoolState.SENT,
            sent_at__gte=since,
            sent_at__lte=message.received_at,
            campaign__dialer__provider_id=message.provider_id,
        )
        .order_by("-sent_at")
        .select_related("campaign")
        .first()
    )
    return row.campaign if row else None


def route_inbound(message: InboundMessage) -> str:
    """Route one stored inbound message; returns its routing state."""
    if message.routing not in (InboundMessage.Routing.PENDING, InboundMessage.Routing.UNROUTED):
        return message.routing
    campaign = campaign_for_inbound(message)
    if campaign is None:
        state = InboundMessage.Routing.UNROUTED
        logger.info(
            "inbound message unrouted: no campaign takes it",
            extra={
                "inbound_message": message.pk,
                "provider": message.provider_id,
                "to": message.recipient,
            },
        )
    else:
        state = InboundMessage.Routing.QUEUED
    InboundMessage.objects.filter(pk=message.pk).update(routing=state, campaign=campaign)
    return state
