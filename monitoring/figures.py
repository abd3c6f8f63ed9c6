"""The board's figures for one campaign and one day, as a supervisor reads them (SPEC §3, §5).

Definitions (docs/monitoring.md), over interactions the customer opened ``origin=customer``
during today in the configured time zone (``settings.TIME_ZONE``), each counted in the day and
15-minute slot it was opened in:

- received: every such interaction;
- answered: an agent has replied (``first_reply_at``); wait = first reply − opened;
- abandoned: it waited past ``threshold_abandon`` without an answer: answered later than that,
  closed unanswered later than that, or still unanswered after that long now;
- service level: answered within ``threshold_service_level`` ÷ decided, where decided leaves out
  the unanswered ones still inside that threshold (they may still make it);
- waiting: queued now (any day) against ``threshold_acd``; longest wait: the oldest of them;
- long chats: held by an agent for more than ``threshold_chat_time`` now.

An interaction is *settled* once answered or closed: its part never changes again and the
database adds it up (``settled_counts``). The open unanswered ones change with the clock: the
browser adds them up each second from their opening times (board.js does what
``summary`` does here), so the server is asked nothing while time passes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractMinute

from campaigns.models import Campaign
from conversations.models import Interaction
from conversations.states import InteractionState, Origin

SLOT_MINUTES = 15
SLOTS = 24 * 60 // SLOT_MINUTES
COUNTERS = ("received", "answered", "in_sl", "abandoned", "decided")


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Today's first instant and the next day's, in the configured zone (23 or 25 hours long on
    a daylight-saving change)."""
    local = now.astimezone(zone())
    start = dt.datetime.combine(local.date(), dt.time(0), tzinfo=zone())
    end = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=zone())
    return start, end


def slot_of(at: dt.datetime) -> int:
    """The 15-minute slot of the local wall clock (0 = 00:00–00:15)."""
    local = at.astimezone(zone())
    return (local.hour * 60 + local.minute) // SLOT_MINUTES


def received_today(campaign_ids: list[int], now: dt.datetime) -> QuerySet[Interaction]:
    start, end = day_bounds(now)
    return Interaction.objects.filter(
        campaign_id__in=campaign_ids,
        origin=Origin.CUSTOMER,
        opened_at__gte=start,
        opened_at__lt=end,
    )


SETTLED = Q(first_reply_at__isnull=False) | Q(state=InteractionState.CLOSED)


def settled_counts(campaign: Campaign, now: dt.datetime) -> dict[int, dict[str, int]]:
    """Per 15-minute slot, the counters of today's settled interactions of one campaign."""
    return settled_counts_of([campaign], now).get(campaign.pk, {})


def settled_counts_of(
    campaigns: list[Campaign], now: dt.datetime
) -> dict[int, dict[int, dict[str, int]]]:
    """Per campaign and 15-minute slot, the counters of today's settled interactions, in one
    query (each campaign's thresholds in its own terms of the filters)."""
    if not campaigns:
        return {}
    wait = ExpressionWrapper(F("first_reply_at") - F("opened_at"), output_field=DurationField())
    unanswered_for = ExpressionWrapper(
        F("closed_at") - F("opened_at"), output_field=DurationField()
    )
    in_sl, abandoned = Q(pk__in=[]), Q(pk__in=[])
    for c in campaigns:
        sl = dt.timedelta(seconds=c.threshold_service_level)
        abandon = dt.timedelta(seconds=c.threshold_abandon)
        in_sl |= Q(campaign_id=c.pk, wait__lte=sl)
        abandoned |= Q(campaign_id=c.pk) & (
            Q(wait__gt=abandon) | Q(first_reply_at__isnull=True, unanswered_for__gt=abandon)
        )
    rows = (
        received_today([c.pk for c in campaigns], now)
        .filter(SETTLED)
        .annotate(
            wait=wait,
            unanswered_for=unanswered_for,
            hour=ExtractHour("opened_at", tzinfo=zone()),
            minute=ExtractMinute("opened_at", tzinfo=zone()),
        )
        .values("campaign_id", "hour", "minute")
        .annotate(
            received=Count("pk"),
            answered=Count("pk", filter=Q(first_reply_at__isnull=False)),
            in_sl=Count("pk", filter=in_sl),
            abandoned=Count("pk", filter=abandoned),
        )
        .order_by()
    )
    result: dict[int, dict[int, dict[str, int]]] = {}
    for row in rows:
        slot = (row["hour"] * 60 + row["minute"]) // SLOT_MINUTES
        counts = result.setdefault(row["campaign_id"], {}).setdefault(
            slot, dict.fromkeys(COUNTERS, 0)
        )
        for key in ("received", "answered", "in_sl", "abandoned"):
            counts[key] += row[key]
        counts["decided"] += row["received"]  # a settled interaction is decided
    return result


def open_unanswered(campaign_ids: list[int], now: dt.datetime) -> list[dict[str, Any]]:
    """Today's open interactions nobody has answered yet: their part depends on the clock."""
    return list(
        received_today(campaign_ids, now)
        .exclude(SETTLED)
        .values("id", "campaign_id", "opened_at")
        .order_by("id")
    )


@dataclass
class Summary:
    """A campaign's figures at one instant (what the board shows above the tables)."""

    received: int = 0
    answered: int = 0
    in_sl: int = 0
    abandoned: int = 0
    decided: int = 0
    waiting: int = 0
    longest_wait: float = 0.0  # seconds
    long_chats: int = 0
    slots: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def service_level(self) -> float | None:
        """Percent answered within the threshold of those decided; None before any is."""
        return round(100 * self.in_sl / self.decided, 1) if self.decided else None


def add_open(
    counts: dict[str, int], opened_at: dt.datetime, now: dt.datetime, campaign: Campaign
) -> None:
    """An open unanswered interaction's part at ``now``."""
    waited = (now - opened_at).total_seconds()
    counts["received"] += 1
    if waited > campaign.threshold_abandon:
        counts["abandoned"] += 1
    if waited > campaign.threshold_service_level:
        counts["decided"] += 1


def summary(campaign: Campaign, now: dt.datetime) -> Summary:
    """Every figure of the campaign at ``now`` (tests and the API compare against this)."""
    result = Summary(slots=settled_counts(campaign, now))
    for row in open_unanswered([campaign.pk], now):
        slot = result.slots.setdefault(slot_of(row["opened_at"]), dict.fromkeys(COUNTERS, 0))
        add_open(slot, row["opened_at"], now, campaign)
    for counts in result.slots.values():
        for key in COUNTERS:
            setattr(result, key, getattr(result, key) + counts[key])
    queued = Interaction.objects.filter(campaign=campaign, state=InteractionState.QUEUED)
    since = queued.values_list("queued_at", "opened_at")
    waits = [(now - (queued_at or opened_at)).total_seconds() for queued_at, opened_at in since]
    result.waiting = len(waits)
    result.longest_wait = max(waits, default=0.0)
    chat_limit = now - dt.timedelta(seconds=campaign.threshold_chat_time)
    result.long_chats = Interaction.objects.filter(
        campaign=campaign, state=InteractionState.ASSIGNED, assigned_at__lt=chat_limit
    ).count()
    return result


def completed_today(campaign_ids: list[int], now: dt.datetime) -> dict[int, int]:
    """Per agent, the interactions they held when closed today (closing keeps the holder)."""
    start, end = day_bounds(now)
    rows = (
        Interaction.objects.filter(
            campaign_id__in=campaign_ids,
            state=InteractionState.CLOSED,
            closed_at__gte=start,
            closed_at__lt=end,
            agent__isnull=False,
        )
        .values("agent_id")
        .annotate(n=Count("pk"))
    )
    return {row["agent_id"]: row["n"] for row in rows}
