"""A reply to a dialer message finds the campaign of the latest message the dialer sent to that
customer through the same provider, within DIALER_REPLY_DAYS (campaigns' routing asks through
``campaigns.routing.campaign_wanted``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.dispatch import receiver

from campaigns.models import Campaign
from campaigns.routing import campaign_wanted
from dialer.models import SpoolRow
from dialer.numbers import normalise
from dialer.states import SpoolState
from providers.models import InboundMessage


def campaign_replied_to(message: InboundMessage) -> Campaign | None:
    """The campaign whose dialer last sent to this customer through this provider, recently."""
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


@receiver(campaign_wanted)
def answer_for_replies(sender: Any, message: InboundMessage, **kwargs: Any) -> Campaign | None:
    return campaign_replied_to(message)
