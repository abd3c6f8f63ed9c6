"""The board's one snapshot (SPEC §5): everything a board needs to start, read in a fixed
number of queries whatever the number of agents or waiting customers. After it, the board
patches itself from the events the domain already publishes to ``campaign.<id>``
(``interaction.*``, ``message.new``, ``agent.state``, ``queue.length``) and ticks its timers
in the browser: the server does nothing per open board and per second.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from agents.models import AgentStatus, BreakType
from agents.states import AgentState
from campaigns.models import Campaign, CampaignMember
from campaigns.selectors import campaigns_for
from conversations.models import Interaction
from conversations.states import InteractionState, Origin
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


OPEN_ROWS_PLACEHOLDER = "__open_rows__"
OPEN_FIELDS = (
    "id", "campaign", "state", "agent", "number", "opened_at", "queued_at", "assigned_at",
    "unanswered", "seq", "channel",
)  # fmt: skip


def snapshot(campaigns: list[Campaign], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The snapshot as the browser reads it (``open``: one dict per open interaction)."""
    data = json.loads(snapshot_json(campaigns, now=now))
    data["open"] = [dict(zip(data["open_fields"], row, strict=True)) for row in data["open"]]
    return data


def snapshot_json(campaigns: list[Campaign], *, now: dt.datetime | None = None) -> str:
    """The snapshot, as JSON text. Its open interactions (5,000 at the benchmark's size) are
    arrays of ``OPEN_FIELDS`` with their times in epoch milliseconds, written by PostgreSQL
    itself: loading and writing as many rows in Python cost most of the snapshot's time."""
    now = now or timezone.now()
    ids = [c.pk for c in campaigns]
    start, end = figures.day_bounds(now)
    rest = json.dumps(_snapshot(campaigns, now=now), cls=DjangoJSONEncoder)
    return rest.replace(f'"{OPEN_ROWS_PLACEHOLDER}"', open_rows_json(ids, start, end), 1)


def _snapshot(campaigns: list[Campaign], *, now: dt.datetime) -> dict[str, Any]:
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
    settled = figures.settled_counts_of(campaigns, now)
    channels = {
        pk: channel_of(api_type) for pk, api_type in Provider.objects.values_list("pk", "api_type")
    }
    return {
        "now": now.isoformat(),
        "time_zone": figures.zone().key,
        "day_start": start.isoformat(),
        "day_end": end.isoformat(),
        "max_id": Interaction.objects.aggregate(m=Max("id"))["m"] or 0,
        "break_icons": dict(BreakType.objects.values_list("name", "icon")),
        "providers": channels,
        "campaigns": [
            {
                "id": c.pk,
                "name": c.name,
                **{key: getattr(c, key) for key in THRESHOLDS},
                "slots": settled.get(c.pk, {}),
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
        "open_fields": OPEN_FIELDS,
        "open": OPEN_ROWS_PLACEHOLDER,
    }


OPEN_ROWS_SQL = """
SELECT COALESCE(json_agg(json_build_array(
    i.id, i.campaign_id, i.state, i.agent_id, i.number,
    (EXTRACT(EPOCH FROM i.opened_at) * 1000)::bigint,
    (EXTRACT(EPOCH FROM COALESCE(i.queued_at, i.opened_at)) * 1000)::bigint,
    (EXTRACT(EPOCH FROM i.assigned_at) * 1000)::bigint,
    (i.first_reply_at IS NULL AND i.origin = %s AND i.opened_at >= %s AND i.opened_at < %s),
    i.seq,
    CASE WHEN lower(p.api_type) LIKE '%%whatsapp%%' THEN 'whatsapp' ELSE 'sms' END
) ORDER BY i.queued_at, i.id), '[]')::text
FROM conversations_interaction i JOIN providers_provider p ON p.id = i.provider_id
WHERE i.campaign_id = ANY(%s) AND i.state IN (%s, %s)
"""


def open_rows_json(ids: list[int], start: dt.datetime, end: dt.datetime) -> str:
    """The campaigns' open interactions, oldest waiting first, as a JSON array of arrays."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                OPEN_ROWS_SQL,
                [Origin.CUSTOMER, start, end, ids, InteractionState.QUEUED,
                 InteractionState.ASSIGNED],
            )  # fmt: skip
            return cursor.fetchone()[0]
    rows = (
        Interaction.objects.filter(
            campaign_id__in=ids, state__in=[InteractionState.QUEUED, InteractionState.ASSIGNED]
        )
        .order_by("queued_at", "id")
        .values_list(
            "id", "campaign_id", "state", "agent_id", "number", "opened_at", "queued_at",
            "assigned_at", "first_reply_at", "origin", "seq", "provider__api_type",
        )
    )  # fmt: skip
    return json.dumps(
        [
            [pk, campaign, state, agent, number, _ms(opened), _ms(queued or opened),
             _ms(assigned),
             reply is None and origin == Origin.CUSTOMER and start <= opened < end,
             seq, channel_of(api_type)]
            for (pk, campaign, state, agent, number, opened, queued, assigned, reply, origin,
                 seq, api_type) in rows
        ]
    )  # fmt: skip


def epoch_ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


def _ms(value: Any) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return epoch_ms(value)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
