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

from django.dispatch import Signal

from campaigns.models import Campaign
from providers.models import InboundMessage

logger = logging.getLogger("contactcenter.routing")


# Sent with ``message`` (an InboundMessage no campaign takes by its DID); a receiver answers the
# campaign it belongs to, or None. The dialer answers for replies to its messages
# (``dialer.replies``): campaigns never import the dialer, which sits above them.
campaign_wanted = Signal()


def campaign_for_inbound(message: InboundMessage) -> Campaign | None:
    by_did = Campaign.objects.filter(provider_id=message.provider_id, did=message.recipient)
    found = by_did.first()
    if found is None:
        answers = campaign_wanted.send(sender=InboundMessage, message=message)
        found = next((campaign for _receiver, campaign in answers if campaign), None)
    return found


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
