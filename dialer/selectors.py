"""Reads: the dialers a user may see, the dialer monitor, the spool API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from campaigns.models import Campaign
from campaigns.selectors import campaigns_for
from contactcenter.lookups import one_or_404
from dialer.counters import counters_from, counts
from dialer.models import Dialer, SpoolRow
from dialer.opening import dialer_is_open
from dialer.states import SpoolState as S


def dialers_for(user: User) -> QuerySet[Dialer]:
    return Dialer.objects.filter(campaign__in=campaigns_for(user)).select_related(
        "campaign", "provider"
    )


def dialer_for_user(*, user: User, pk: Any) -> Dialer:
    """A dialer of the user's campaigns, or 404 (as ``campaigns.selectors.campaign_for_user``)."""
    return one_or_404(dialers_for(user), pk, "No such dialer.")


def monitor_counters(campaign: Campaign) -> dict[str, int]:
    """The monitor's counters, from the kept counts (never from counting the spool table)."""
    return counters_from(counts(campaign.pk))


def monitor_status(campaign: Campaign) -> dict[str, Any]:
    dialer = Dialer.objects.filter(campaign=campaign).select_related("provider").first()
    return {
        "campaign": campaign.pk,
        "dialer": dialer.pk if dialer else None,
        "active": bool(dialer and dialer.running and dialer.enabled),
        "enabled": bool(dialer and dialer.enabled),
        "on_schedule": bool(dialer and dialer_is_open(dialer)),
        "unscheduled": bool(dialer and not dialer.schedules.exists()),
        "counters": monitor_counters(campaign),
    }


def retrying_rows(campaign: Campaign, limit: int = 100) -> list[SpoolRow]:
    """Rows back in the queue after a temporary error, with that error, soonest retry first."""
    return list(
        SpoolRow.objects.filter(
            campaign=campaign, state=S.TO_PROCESS, next_attempt_at__isnull=False
        )
        .exclude(error="")
        .order_by("next_attempt_at", "position")[:limit]
    )


def unknown_rows(campaign: Campaign) -> list[SpoolRow]:
    return list(
        SpoolRow.objects.filter(campaign=campaign, state=S.SENDING, fate_unknown=True).order_by(
            "position"
        )[:500]
    )
