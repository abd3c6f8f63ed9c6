"""A reply to a dialer message finds the campaign of the latest message the dialer sent to that
customer through the same provider, within DIALER_REPLY_DAYS (campaigns' routing asks through
``campaigns.routing.campaign_wanted``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.dispatch import receiver

from campaigns.models import Campaign
from campaigns.routing import campaign_wanted
from dialer.models import SpoolRow
from dialer.states import SpoolState


def campaign_replied_to(*, provider_id: int, number: str, at: dt.datetime) -> Campaign | None:
    """The campaign whose dialer last sent to ``number`` (normalised) through this provider,
    recently."""
    since = at - dt.timedelta(days=settings.DIALER_REPLY_DAYS)
    row = (
        SpoolRow.objects.filter(
            # The spool keeps normalise()'s form: the same, or bare digits when it did not parse.
            number__in={number, number.lstrip("+")},
            state=SpoolState.SENT,
            sent_at__gte=since,
            sent_at__lte=at,
            campaign__dialer__provider_id=provider_id,
        )
        .order_by("-sent_at")
        .select_related("campaign")
        .first()
    )
    return row.campaign if row else None


@receiver(campaign_wanted)
def answer_for_replies(
    sender: Any, provider_id: int, number: str, at: dt.datetime, **kwargs: Any
) -> Campaign | None:
    return campaign_replied_to(provider_id=provider_id, number=number, at=at)
