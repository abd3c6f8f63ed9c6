"""Routing of inbound messages to campaigns: the one entry point webhooks hand messages to.

An inbound message finds its campaign by provider + DID (the number or port it was sent to) and
joins that campaign's queue. Assigning queued messages to agents (strategies, schedules, the
out-of-time reply) arrives with the agent inbox; a message no campaign takes is marked
``unrouted``: stored, visible, never lost, and routed again once a campaign takes its DID.
"""

from __future__ import annotations

import logging

from campaigns.models import Campaign
from providers.models import InboundMessage

logger = logging.getLogger("contactcenter.routing")


def campaign_for_inbound(message: InboundMessage) -> Campaign | None:
    return Campaign.objects.filter(provider_id=message.provider_id, did=message.recipient).first()


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
