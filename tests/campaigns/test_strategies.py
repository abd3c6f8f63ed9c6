from __future__ import annotations

import datetime as dt
import random

import pytest

from campaigns.models import Strategy
from campaigns.strategies import AgentLoad, choose_agent, eligible

T0 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def test_eligibility():
    pool = [
        AgentLoad(1, active=3),
        AgentLoad(2, on_break=True),
        AgentLoad(3, logged_in=False),
        AgentLoad(4, active=2),
    ]
    assert [a.agent_id for a in eligible(pool, max_active=3)] == [4]


def test_round_robin_cycles_in_member_order():
    pool = [AgentLoad(1), AgentLoad(2), AgentLoad(3)]
    picks, last = [], None
    for _ in range(7):
        last = choose_agent(Strategy.ROUND_ROBIN, pool, last_agent_id=last).agent_id
        picks.append(last)
    assert picks == [1, 2, 3, 1, 2, 3, 1]


def test_round_robin_skips_a_busy_agent_without_restarting():
    pool = [AgentLoad(1), AgentLoad(3)]  # agent 2 is busy
    pick = choose_agent(Strategy.ROUND_ROBIN, pool, last_agent_id=2, member_order=[1, 2, 3])
    assert pick.agent_id == 3


def test_least_recent_prefers_never_assigned_then_oldest():
    pool = [
        AgentLoad(1, last_assigned_at=T0),
        AgentLoad(2, last_assigned_at=T0 - dt.timedelta(minutes=5)),
        AgentLoad(3),
    ]
    assert choose_agent(Strategy.LEAST_RECENT, pool).agent_id == 3
    assert choose_agent(Strategy.LEAST_RECENT, pool[:2]).agent_id == 2


def test_fewest_interactions_breaks_ties_by_recency():
    pool = [
        AgentLoad(1, handled_today=4),
        AgentLoad(2, handled_today=2, last_assigned_at=T0),
        AgentLoad(3, handled_today=2, last_assigned_at=T0 - dt.timedelta(hours=1)),
    ]
    assert choose_agent(Strategy.FEWEST_INTERACTIONS, pool).agent_id == 3


def test_random_is_uniform_enough_and_reproducible():
    pool = [AgentLoad(1), AgentLoad(2), AgentLoad(3)]
    rng = random.Random(7)
    counts = {1: 0, 2: 0, 3: 0}
    for _ in range(3000):
        counts[choose_agent(Strategy.RANDOM, pool, rng=rng).agent_id] += 1
    assert all(900 < c < 1100 for c in counts.values()), counts


def test_linear_always_takes_the_first_available():
    pool = [AgentLoad(5), AgentLoad(1)]
    assert {choose_agent(Strategy.LINEAR, pool, last_agent_id=5).agent_id for _ in range(5)} == {5}


@pytest.mark.parametrize("strategy", Strategy.values)
def test_nobody_eligible_means_nobody(strategy):
    assert choose_agent(strategy, []) is None


def test_unknown_strategy():
    with pytest.raises(ValueError, match="unknown strategy"):
        choose_agent("loudest", [AgentLoad(1)])
