"""The board's one snapshot (SPEC §5): everything a board needs to start, read in a fixed
number of queries whatever the number of agents or waiting customers. After it, the board
patches itself from the events the domain already publishes to ``campaign.<id>``
(``interaction.*``, ``message.new``, ``agent.state``, ``queue.length``) and ticks its timers
in the browser: the server does nothing per open board and per second.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from agents.models import AgentStatus, BreakType
from agents.states import AgentState
from campaigns.models import Campaign, CampaignMember
from campaigns.selectors import campaigns_for
from conversations.models import Interaction
from conversations.states import InteractionState
from monitoring import figures
from providers.models import Provider

THRESHOLDS = (
    "service_level",
    "threshold_service_level",
    "threshold_abandon",
    "threshold_chat_time",
    "threshold_acd",
)


def chosen_campaigns(user: User, ids: list[Any]) -> list[Campaign]:
    """The campaigns the user picked among theirs (ids not theirs, or not numbers, are
    ignored: a board of campaigns the user may not see shows nothing of them)."""
    wanted = {int(i) for i in ids if str(i).isdigit()}
    return list(campaigns_for(user).filter(pk__in=wanted).order_by("name"))


def channel_of(api_type: str) -> str:
    return "whatsapp" if "whatsapp" in api_type.lower() else "sms"


def snapshot(campaigns: list[Campaign], *, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    ids = [c.pk for c in campaigns]
    start, end = figures.day_bounds(now)
    members = (
        CampaignMember.objects.filter(campaign_id__in=ids)
        .values_list("agent_id", flat=True)
        .distinct()
    )
    agents = list(
        User.objects.filter(pk__in=members)
        .order_by("first_name", "username")
        .values("id", "username", "first_name", "last_name", "screen_monitoring")
    )
    statuses = {
        s["agent_id"]: s
        for s in AgentStatus.objects.filter(agent_id__in=[a["id"] for a in agents]).values(
            "agent_id", "state", "break_type", "changed_at"
        )
    }
    completed = figures.completed_today(ids, now)
    open_rows = list(
        Interaction.objects.filter(
            campaign_id__in=ids, state__in=[InteractionState.QUEUED, InteractionState.ASSIGNED]
        )
        .order_by("queued_at", "id")
        .values(
            "id",
            "campaign_id",
            "state",
            "agent_id",
            "number",
            "origin",
            "opened_at",
            "queued_at",
            "assigned_at",
            "first_reply_at",
            "seq",
            "provider__api_type",
        )
    )
    unanswered = {row["id"] for row in figures.open_unanswered(ids, now)}
    return {
        "now": now.isoformat(),
        "time_zone": figures.zone().key,
        "day_start": start.isoformat(),
        "day_end": end.isoformat(),
        "max_id": Interaction.objects.aggregate(m=Max("id"))["m"] or 0,
        "break_icons": dict(BreakType.objects.values_list("name", "icon")),
        "providers": {
            pk: channel_of(api_type)
            for pk, api_type in Provider.objects.values_list("pk", "api_type")
        },
        "campaigns": [
            {
                "id": c.pk,
                "name": c.name,
                **{key: getattr(c, key) for key in THRESHOLDS},
                "slots": figures.settled_counts(c, now),
            }
            for c in campaigns
        ],
        "agents": [
            {
                "id": a["id"],
                "name": f"{a['first_name']} {a['last_name']}".strip() or a["username"],
                "username": a["username"],
                "screen_monitoring": a["screen_monitoring"],
                "state": statuses.get(a["id"], {}).get("state", AgentState.DISCONNECTED),
                "break_type": statuses.get(a["id"], {}).get("break_type", ""),
                "changed_at": _iso(statuses.get(a["id"], {}).get("changed_at")),
                "completed": completed.get(a["id"], 0),
            }
            for a in agents
        ],
        "open": [
            {
                "id": row["id"],
                "campaign": row["campaign_id"],
                "state": row["state"],
                "agent": row["agent_id"],
                "number": row["number"],
                "opened_at": row["opened_at"].isoformat(),
                "queued_at": _iso(row["queued_at"] or row["opened_at"]),
                "assigned_at": _iso(row["assigned_at"]),
                "unanswered": row["id"] in unanswered,
                "seq": row["seq"],
                "channel": channel_of(row["provider__api_type"]),
            }
            for row in open_rows
        ],
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
