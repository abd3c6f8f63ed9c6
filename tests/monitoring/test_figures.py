"""Every figure of the board against a hand-computed day (docs/monitoring.md has the rules).

The configured zone is Montevideo (UTC−3): "today" starts at 03:00 UTC, so an interaction
opened at 02:30 UTC belongs to yesterday, one at 03:01 UTC to today."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from accounts.roles import Role
from conversations.models import Interaction
from conversations.states import InteractionState, Origin
from monitoring import board, figures
from tests.campaigns.factories import make_campaign, provider
from tests.conftest import make_user

MVD = ZoneInfo("America/Montevideo")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=MVD)
_numbers = itertools.count(1000)


def at(hour: int, minute: int, second: int = 0, day: int = 26) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=MVD)


def interaction(campaign, *, opened, reply=None, closed=None, assigned=None, agent=None,
                state=None, origin=Origin.CUSTOMER) -> Interaction:  # fmt: skip
    if state is None:
        state = InteractionState.CLOSED if closed else InteractionState.QUEUED
    return Interaction.objects.create(
        campaign=campaign,
        provider=campaign.provider,
        number=f"+598{next(_numbers)}",
        state=state,
        origin=origin,
        agent=agent,
        opened_at=opened,
        queued_at=opened,
        assigned_at=assigned,
        first_reply_at=reply,
        closed_at=closed,
        last_activity_at=opened,
    )


@pytest.fixture
def day(settings, supervisor, group):
    """The day of the module docstring: one campaign (SL 60 s, abandon 600 s, chat 900 s,
    ACD 2), agents x and y, and a second campaign whose interactions must not count."""
    settings.TIME_ZONE = "America/Montevideo"
    campaign = make_campaign(
        supervisor, name="Sales", threshold_service_level=60, threshold_abandon=600,
        threshold_chat_time=900, threshold_acd=2,
    )  # fmt: skip
    other = make_campaign(supervisor, name="Other", did="999", provider=provider())
    x = make_user("xavier", Role.AGENT, [group])
    y = make_user("yolanda", Role.AGENT, [group])
    A = InteractionState.ASSIGNED
    # A: answered in 30 s, closed by x.                         slot 36 (09:00)
    interaction(campaign, opened=at(9, 0), reply=at(9, 0, 30), closed=at(9, 10), agent=x)
    # B: answered in 120 s (outside the SL), still with x since 09:05:30: a long chat.
    interaction(campaign, opened=at(9, 5), reply=at(9, 7), assigned=at(9, 5, 30), agent=x, state=A)
    # C: answered after 900 s: answered, and abandoned (waited past 600 s unanswered).
    interaction(campaign, opened=at(9, 10), reply=at(9, 25), closed=at(9, 30), agent=x)
    # D: closed by x unanswered after 1,200 s: abandoned.        slot 37
    interaction(campaign, opened=at(9, 20), closed=at(9, 40), agent=x)
    # E: closed unanswered after 120 s, nobody held it: decided, not abandoned.   slot 39
    interaction(campaign, opened=at(9, 50), closed=at(9, 52))
    # F: waiting 120 s now: decided (past the SL), not abandoned.
    interaction(campaign, opened=at(9, 58))
    # G: waiting 30 s now: not decided yet.
    interaction(campaign, opened=at(9, 59, 30))
    # H: with y since 09:40:30, unanswered for 1,200 s: abandoned, a long chat.   slot 38
    interaction(campaign, opened=at(9, 40), assigned=at(9, 40, 30), agent=y, state=A)
    # I: opened yesterday 23:50, closed by y today at 00:10: y's completed today only.
    interaction(campaign, opened=at(23, 50, day=25), reply=at(0, 5), closed=at(0, 10), agent=y)
    # J: opened 00:01 today (03:01 UTC), answered in 80 s.       slot 0
    interaction(campaign, opened=at(0, 1), reply=at(0, 2, 20), closed=at(0, 30), agent=y)
    # Yesterday 23:30 local is 02:30 UTC today: not today. Closed yesterday by y: not today.
    interaction(campaign, opened=at(23, 30, day=25), closed=at(23, 59, day=25), agent=y)
    # M: waiting since yesterday 22:00: waiting now (the longest), not received today.
    interaction(campaign, opened=at(22, 0, day=25))
    # K: started by an agent: not received.  L: another campaign's.
    interaction(campaign, opened=at(9, 30), origin=Origin.AGENT, closed=at(9, 31), agent=x)
    interaction(other, opened=at(9, 30), closed=at(9, 31), agent=x)
    return campaign, x, y


def test_every_figure_of_the_day(day) -> None:
    campaign, x, y = day
    result = figures.summary(campaign, NOW)
    assert result.received == 9  # A B C D E F G H J
    assert result.answered == 4  # A B C J
    assert result.in_sl == 1, result.slots  # A
    assert result.abandoned == 3  # C D H
    assert result.decided == 8  # A B C D E J settled, F H past the SL
    assert result.service_level == 12.5
    assert result.waiting == 3  # F G M
    assert result.longest_wait == 12 * 3600  # M, since 22:00 yesterday
    assert result.long_chats == 2  # B H
    assert result.slots[36] == {
        "received": 3, "answered": 3, "in_sl": 1, "abandoned": 1, "decided": 3
    }  # fmt: skip
    assert result.slots[0] == {
        "received": 1, "answered": 1, "in_sl": 0, "abandoned": 0, "decided": 1
    }  # fmt: skip
    assert result.slots[39]["received"] == 3 and result.slots[39]["decided"] == 2  # E F (G not)
    assert result.slots[38]["abandoned"] == 1  # H
    # K (interactions opened by an agent) counts for x's completed: it was x's and closed today.
    assert figures.completed_today([campaign.pk], NOW) == {x.pk: 4, y.pk: 2}  # A C D K; I J


def test_the_clock_moves_the_open_ones(day) -> None:
    campaign, _, _ = day
    later = figures.summary(campaign, NOW + dt.timedelta(minutes=10))
    # F has waited 720 s and G 630 s: both abandoned now, G decided too.
    assert (later.abandoned, later.decided) == (5, 9)
    assert later.service_level == round(100 / 9, 1)


def test_a_new_day_starts_at_midnight_of_the_configured_zone(day) -> None:
    campaign, x, y = day
    after_midnight = at(0, 5, day=27)
    result = figures.summary(campaign, after_midnight)
    assert (result.received, result.answered, result.abandoned) == (0, 0, 0)
    assert result.service_level is None
    assert result.waiting == 3  # still waiting, whatever the day
    assert figures.completed_today([campaign.pk], after_midnight) == {}
    start, end = figures.day_bounds(after_midnight)
    assert start == dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(hours=24)


def test_the_snapshot_carries_what_the_browser_adds_up(day, django_assert_max_num_queries) -> None:
    campaign, x, y = day
    with django_assert_max_num_queries(12):
        data = board.snapshot([campaign], now=NOW)
    (c,) = data["campaigns"]
    settled = {k: sum(s[k] for s in c["slots"].values()) for k in figures.COUNTERS}
    # Settled: A B C D E J; the open unanswered (F G H) are added up by the browser.
    assert settled == {"received": 6, "answered": 4, "in_sl": 1, "abandoned": 2, "decided": 6}
    unanswered = [row for row in data["open"] if row["unanswered"]]
    assert len(unanswered) == 3
    waiting = [row for row in data["open"] if row["state"] == "queued"]
    m_opened = int(at(22, 0, day=25).timestamp() * 1000)
    assert len(waiting) == 3 and waiting[0]["queued_at"] == m_opened  # M first
    completed = {a["username"]: a["completed"] for a in data["agents"]}
    assert completed == {}  # x and y are no members of the campaign: not on its board
    assert data["day_start"] == "2026-11-26T00:00:00-03:00"


def test_the_snapshot_costs_the_same_queries_for_many_agents(
    supervisor, group, settings, django_assert_max_num_queries
) -> None:
    from campaigns.models import CampaignMember

    campaign = make_campaign(supervisor, name="Big")
    for i in range(40):
        agent = make_user(f"agent{i:02}", Role.AGENT, [group])
        CampaignMember.objects.create(campaign=campaign, agent=agent)
        interaction(campaign, opened=at(9, 0) + dt.timedelta(seconds=i))
    with django_assert_max_num_queries(12):
        data = board.snapshot([campaign], now=NOW)
    assert len(data["agents"]) == 40 and len(data["open"]) == 40
