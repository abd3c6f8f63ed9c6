"""Who gets the next interaction: a pure function of the eligible agents and their counters.

The caller (routing) passes the campaign's members in member order with their counters; this
module filters the eligible ones and picks one. Nothing here reads the database.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from campaigns.models import Strategy


@dataclass(frozen=True)
class AgentLoad:
    agent_id: int
    active: int = 0  # interactions the agent has open now
    handled_today: int = 0  # interactions assigned to the agent today
    last_assigned_at: dt.datetime | None = None
    logged_in: bool = True
    on_break: bool = False


def eligible(agents: Sequence[AgentLoad], max_active: int) -> list[AgentLoad]:
    """Logged in, not on break, below the campaign's maximum of active interactions."""
    return [a for a in agents if a.logged_in and not a.on_break and a.active < max_active]


def choose_agent(
    strategy: str,
    agents: Sequence[AgentLoad],
    *,
    last_agent_id: int | None = None,
    member_order: Sequence[int] = (),
    rng: random.Random | None = None,
) -> AgentLoad | None:
    """The agent who takes the next interaction, among ``agents`` (eligible, in member order).

    - ``round_robin``: the next agent after the one who got the last interaction, cycling in
      member order (``member_order`` lists every member, so a busy agent keeps their turn's
      place instead of restarting the cycle).
    - ``least_recent``: the agent whose last assignment is the oldest (never assigned first).
    - ``fewest_interactions``: fewest handled today; ties go to the least recent.
    - ``random``: uniformly at random.
    - ``linear``: always the first in member order (a fixed priority list).
    None when nobody is eligible.
    """
    if not agents:
        return None
    if strategy == Strategy.ROUND_ROBIN:
        order = list(member_order) or [a.agent_id for a in agents]
        if last_agent_id not in order:
            return agents[0]
        start = order.index(last_agent_id)
        by_id = {a.agent_id: a for a in agents}
        for step in range(1, len(order) + 1):
            candidate = by_id.get(order[(start + step) % len(order)])
            if candidate is not None:
                return candidate
        return agents[0]
    if strategy == Strategy.LEAST_RECENT:
        return min(agents, key=_recency)
    if strategy == Strategy.FEWEST_INTERACTIONS:
        return min(agents, key=lambda a: (a.handled_today, _recency(a)))
    if strategy == Strategy.RANDOM:
        return (rng or random).choice(list(agents))
    if strategy == Strategy.LINEAR:
        return agents[0]
    raise ValueError(f"unknown strategy {strategy!r}")


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def _recency(agent: AgentLoad) -> dt.datetime:
    return agent.last_assigned_at or _NEVER
