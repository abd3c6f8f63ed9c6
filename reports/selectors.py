"""Report figures, read from the rollups (interactions) and by an indexed aggregate over the
spool (dialer): a 30-day report over every campaign sums a few thousand rollup rows."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import connection

from accounts.models import User
from campaigns.models import Campaign
from dialer.states import SpoolState
from reports import rollups
from reports.buckets import BUCKET_COLUMNS, percentile
from reports.filters import ReportFilters
from reports.rollup_sql import CAMPAIGN_ROW, FIGURES

DELIVERY_GROUPS = ("sent", "delivered", "failed", "unknown")


def _figures(sums: dict[str, int]) -> dict[str, Any]:
    """The report's figures from summed rollup columns: counts, service level %, average and
    p90 first response (s), average handling time (s)."""
    received, answered, handled = sums["received"], sums["answered"], sums["handled"]
    p90 = percentile([sums[c] for c in BUCKET_COLUMNS], 0.9)
    return {
        "received": received,
        "answered": answered,
        "abandoned": sums["abandoned"],
        "service_level": round(100 * sums["answered_in_sl"] / received, 1) if received else None,
        "first_response_avg": round(sums["first_response_ms"] / answered / 1000, 1)
        if answered
        else None,
        "first_response_p90": round(p90, 1) if p90 is not None else None,
        "handling_avg": round(sums["handling_ms"] / handled / 1000, 1) if handled else None,
        "messages_in": sums["messages_in"],
        "messages_out": sums["messages_out"],
        "messages_failed": sums["messages_failed"],
        "segments_out": sums["segments_out"],
    }


@dataclasses.dataclass
class InteractionsReport:
    totals: dict[str, Any]
    campaigns: list[dict[str, Any]]
    agents: list[dict[str, Any]]
    days: list[dict[str, Any]]
    stale_zone: str | None  # the rollups were counted in another time zone


def interactions_report(filters: ReportFilters) -> InteractionsReport:
    """Per campaign, per day and in total from the campaigns' day rows (one query, ``GROUPING
    SETS``), per agent from the agents' rows (one query). Campaign figures include the
    interactions no agent took; with an agent filter every figure is those agents' only."""
    columns = FIGURES + BUCKET_COLUMNS
    empty = dict.fromkeys(columns, 0)
    result = InteractionsReport(_figures(empty), [], [], [], None)
    zone = rollups.installed_zone()
    if zone is not None and zone != rollups.zone_name():
        result.stale_zone = zone
    if not rollups.supported() or not filters.campaigns:
        return result
    sums = ", ".join(f"SUM({c})::bigint" for c in columns)
    base = "day >= %s AND day <= %s AND campaign_id = ANY(%s)"
    params: list[Any] = [filters.start, filters.end, list(filters.campaigns)]
    if filters.agents:  # those agents' own rows only
        whose, whose_params = "agent_id = ANY(%s)", [list(filters.agents)]
    else:  # the campaigns' rows: 20 campaigns × 30 days are 600 rows
        whose, whose_params = f"agent_id = {CAMPAIGN_ROW}", []
    campaigns_and_days = f"""
        SELECT GROUPING(campaign_id, day), campaign_id, day, {sums}
          FROM reports_rollup WHERE {base} AND {whose}
         GROUP BY GROUPING SETS ((campaign_id), (day))"""  # noqa: S608
    agents = f"""
        SELECT agent_id, {sums} FROM reports_rollup
         WHERE {base} AND agent_id > 0 {"AND " + whose if filters.agents else ""}
         GROUP BY agent_id"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(campaigns_and_days, params + whose_params)
        rows = cursor.fetchall()
        cursor.execute(agents, params + (whose_params if filters.agents else []))
        agent_sums = cursor.fetchall()
    names = dict(Campaign.objects.filter(pk__in=filters.campaigns).values_list("pk", "name"))
    total = dict(empty)
    for grouping, campaign_id, day, *values in rows:
        sums_of = dict(zip(columns, (v or 0 for v in values), strict=True))
        figures = _figures(sums_of)
        if grouping == 0b01:  # by campaign
            result.campaigns.append({"campaign": campaign_id, "name": names.get(campaign_id, "")})
            result.campaigns[-1].update(figures)
            for column, value in sums_of.items():
                total[column] += value
        else:  # by day
            result.days.append({"day": day.isoformat(), **figures})
    result.totals = _figures(total)
    per_agent = {
        agent_id: _figures(dict(zip(columns, (v or 0 for v in values), strict=True)))
        for agent_id, *values in agent_sums
    }
    agent_rows = []
    users = User.objects.filter(pk__in=per_agent).only("username", "first_name", "last_name")
    for user in users:
        agent_rows.append(
            {"agent": user.pk, "name": user.get_full_name() or user.username, **per_agent[user.pk]}
        )
    result.campaigns.sort(key=lambda r: (r["name"].lower(), r["campaign"]))
    result.agents = sorted(agent_rows, key=lambda r: (r["name"].lower(), r["agent"]))
    result.days.sort(key=lambda r: r["day"])
    return result


def delivery_group(status: str) -> str:
    """sent / delivered / failed / unknown, from a provider's normalised report status."""
    if status in ("delivered", "read"):
        return "delivered"
    if status in ("undelivered", "expired", "rejected", "failed"):
        return "failed"
    if status in ("accepted", "sent"):
        return "sent"
    return "unknown"


def dialer_report(filters: ReportFilters) -> list[dict[str, Any]]:
    """Spool rows that entered the spool in the date range, per campaign and state, with their
    delivery status in four groups (sent, delivered, failed, unknown): one aggregate over the
    ``spool_created`` index range."""
    if not filters.campaigns:
        return []
    start, end = rollups.local_bounds(filters.start, filters.end, rollups.zone_name())
    sql = """SELECT campaign_id, state,
                    CASE WHEN delivery_status IN ('delivered', 'read') THEN 'delivered'
                         WHEN delivery_status IN ('undelivered', 'expired', 'rejected', 'failed')
                              THEN 'failed'
                         WHEN delivery_status IN ('accepted', 'sent') THEN 'sent'
                         ELSE 'unknown' END AS delivery,
                    COUNT(*)
               FROM sms_spool
              WHERE created_at >= %s AND created_at < %s AND campaign_id = ANY(%s)
              GROUP BY 1, 2, 3"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end, list(filters.campaigns)])
        found = cursor.fetchall()
    names = dict(Campaign.objects.filter(pk__in=filters.campaigns).values_list("pk", "name"))
    labels = dict(SpoolState.choices)
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for campaign_id, state, delivery, count in found:
        row = rows.setdefault(
            (campaign_id, state),
            {
                "campaign": campaign_id,
                "name": names.get(campaign_id, ""),
                "state": state,
                "state_label": str(labels.get(state, state)),
                "total": 0,
                **dict.fromkeys(DELIVERY_GROUPS, 0),
            },
        )
        row[delivery] += count
        row["total"] += count
    return sorted(rows.values(), key=lambda r: (r["name"].lower(), r["campaign"], r["state"]))
