"""Every figure of the interactions report against the hand-computed history of
``tests/reports/world.py`` (kept by the triggers as the rows were written), per campaign, per
agent and per day, across midnight in the portal's zone."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from reports.filters import parse_filters
from reports.rollups import rebuild
from reports.selectors import interactions_report
from tests.reports.world import D

NEXT = D + dt.timedelta(days=1)


def report(user, start=D, end=NEXT, **extra):
    params = {"start": start.isoformat(), "end": end.isoformat(), **extra}
    return interactions_report(parse_filters(user, params))


def by_name(rows):
    return {row["name"]: row for row in rows}


def test_campaign_figures_over_two_days(history, supervisor):
    sales = by_name(report(supervisor).campaigns)
    assert list(sales) == ["Sales"]  # the supervisor's group only
    row = sales["Sales"]
    assert row["received"] == 6  # i1…i6; not the agent-started i7 nor the dialer send i8
    assert row["answered"] == 3  # i1, i2, i5
    assert row["abandoned"] == 1  # i3 (900 s > 600 s); i4 closed after 100 s is not
    assert row["service_level"] == 33.3  # i1 (30 s) and i5 (40 s) within 60 s, of 6
    assert row["first_response_avg"] == 53.3  # (30 + 90 + 40) / 3
    # p90: rank ceil(0.9 × 3) = 3 is the 90 s one, alone in bucket 90–120 s: its top.
    assert row["first_response_p90"] == 120.0
    assert row["handling_avg"] == 450.0  # i1 600 s, i2 300 s (assigned → closed)
    assert row["messages_in"] == 4  # i1 × 2, i5 × 2
    assert row["messages_out"] == 5  # i1 × 2, i5, i7, i8 (dialer)
    assert row["messages_failed"] == 1
    assert row["segments_out"] == 7  # 2 + 1 + 3 + 1; the failed one not


def test_days_follow_the_zone_across_midnight(history, supervisor):
    days = {row["day"]: row for row in report(supervisor).days}
    # i5 opened 23:50 in Montevideo (02:50 UTC the next day): day D here.
    assert days[D.isoformat()]["received"] == 5
    assert days[D.isoformat()]["service_level"] == 40.0  # 2 of 5
    assert days[NEXT.isoformat()]["received"] == 1  # i6 at 00:10
    assert days[NEXT.isoformat()]["answered"] == 0
    assert days[NEXT.isoformat()]["service_level"] == 0.0
    assert days[NEXT.isoformat()]["first_response_avg"] is None
    assert days[NEXT.isoformat()]["messages_in"] == 1  # i5's customer at 00:05
    only_d = report(supervisor, start=D, end=D).totals
    assert (only_d["received"], only_d["messages_in"]) == (5, 3)


def test_days_in_utc_after_a_rebuild(history, supervisor, settings):
    settings.TIME_ZONE = "UTC"
    rebuild()  # the zone changed: triggers rewritten for UTC and every day recomputed
    days = {row["day"]: row["received"] for row in report(supervisor).days}
    assert days == {D.isoformat(): 4, NEXT.isoformat(): 2}  # i5 is on the UTC next day now


def test_agent_figures(history, supervisor):
    agents = by_name(report(supervisor).agents)
    assert set(agents) == {"Ana", "Bruno"}
    ana, bruno = agents["Ana"], agents["Bruno"]
    assert (ana["received"], ana["answered"], ana["abandoned"]) == (2, 2, 0)
    assert ana["service_level"] == 50.0
    assert ana["first_response_avg"] == 60.0
    assert ana["first_response_p90"] == 120.0
    assert ana["handling_avg"] == 450.0
    # In: the customer's message while Ana held i1 (the first came before she took it).
    assert (ana["messages_in"], ana["messages_out"], ana["segments_out"]) == (1, 2, 2)
    assert (bruno["received"], bruno["answered"], bruno["service_level"]) == (1, 1, 100.0)
    assert bruno["first_response_p90"] == 45.0  # 40 s alone in bucket 30–45 s
    assert bruno["handling_avg"] is None  # i5 is still open
    # In: only i5's 00:05 message (the 23:50 one came before the assignment at 23:50:20).
    assert (bruno["messages_in"], bruno["messages_out"], bruno["segments_out"]) == (1, 2, 4)


def test_agent_filter_keeps_their_figures_only(history, supervisor):
    result = report(supervisor, agent=[str(history.ag1.pk)])
    assert [row["name"] for row in result.agents] == ["Ana"]
    assert result.totals["received"] == 2
    assert result.campaigns[0]["received"] == 2


def test_admin_sees_every_campaign_and_a_campaign_filter(history, admin):
    names = [row["name"] for row in report(admin).campaigns]
    assert names == ["Collections", "Sales"]
    assert report(admin).totals["received"] == 7
    only = report(admin, campaign=[str(history.collections.pk)])
    assert [row["name"] for row in only.campaigns] == ["Collections"]
    assert only.totals["service_level"] == 100.0


def test_changes_move_the_figures(history, supervisor):
    """The triggers follow the application's writes: closing, answering, requeueing to
    another agent, a failed delivery, a bulk UPDATE."""
    from conversations.models import Interaction, Message

    i6 = history.interactions["i6"]
    i6.agent, i6.state, i6.assigned_at = history.ag1, "assigned", i6.opened_at
    i6.save()
    assert report(supervisor).totals["answered"] == 3  # an assignment changes nothing yet
    Interaction.objects.filter(pk=i6.pk).update(
        first_reply_at=i6.opened_at + dt.timedelta(seconds=10)
    )
    row = by_name(report(supervisor).agents)["Ana"]
    assert (row["received"], row["answered"]) == (3, 3)
    # Requeued and answered-by moved to Bruno: the whole interaction follows the holder.
    Interaction.objects.filter(pk=i6.pk).update(agent=history.ag2)
    agents = by_name(report(supervisor).agents)
    assert (agents["Ana"]["received"], agents["Bruno"]["received"]) == (2, 2)
    Message.objects.filter(interaction=history.interactions["i7"]).update(delivery="failed")
    assert report(supervisor).totals["segments_out"] == 4  # i7's 3 segments failed
    assert report(supervisor).totals["messages_failed"] == 2


def rollup_rows() -> dict[tuple, tuple]:
    """The rollups by (day, campaign, agent), without the rows whose sums all came back to
    zero (a recompute writes none of those)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM reports_rollup ORDER BY day, campaign_id, agent_id")
        rows = [row[1:] for row in cursor.fetchall()]  # without the id
    return {row[:3]: row[3:] for row in rows if any(row[3:])}
