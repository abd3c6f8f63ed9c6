"""Routing of inbound messages to campaigns: the one entry point webhooks hand messages to.

Campaigns, their DIDs and the inbox arrive with the campaigns and inbox issues; until a
campaign can take a message, a message is marked ``unrouted`` (stored, visible, never lost) so
it can be routed again once campaigns exist.
"""

from __future__ import annotations

import logging

from providers.models import InboundMessage

logger = logging.getLogger("contactcenter.routing")


def route_inbound(message: InboundMessage) -> str:
    """Route one stored inbound message; returns its routing state."""
    if message.routing != InboundMessage.Routing.PENDING:
        return message.routing
    InboundMessage.objects.filter(pk=message.pk).update(routing=InboundMessage.Routing.UNROUTED)
    logger.info(
        "inbound message unrouted: no campaign takes it",
        extra={"message": message.pk, "provider": message.provider_id, "to": message.recipient},
    )
    return InboundMessage.Routing.UNROUTED
