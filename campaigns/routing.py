"""Which campaign an inbound message belongs to: the one lookup routing (conversations) asks.

An inbound message finds its campaign by provider + DID (the number or port it was sent to);
failing that, a reply to a dialer message finds the campaign of the latest message the dialer
sent to that customer through the same provider (within DIALER_REPLY_DAYS). None: no campaign
takes it, and the message stays ``unrouted`` (stored, visible, routed again once a campaign
takes its DID).
"""

from __future__ import annotations

import datetime as dt

from django.dispatch import Signal

from campaigns.models import Campaign

# Sent with ``provider_id``, ``did``, ``number`` (the customer, normalised) and ``at`` for a
# message no campaign takes by its DID; a receiver answers the campaign it belongs to, or None.
# The dialer answers for replies to its messages (``dialer.replies``): campaigns never import
# the dialer, which sits above them.
campaign_wanted = Signal()


def campaign_for_inbound(
    *, provider_id: int, did: str, number: str, at: dt.datetime
) -> Campaign | None:
    found = Campaign.objects.filter(provider_id=provider_id, did=did).order_by("pk").first()
    if found is None:
        answers = campaign_wanted.send(
            sender=Campaign, provider_id=provider_id, did=did, number=number, at=at
        )
        found = next((campaign for _receiver, campaign in answers if campaign), None)
    return found
