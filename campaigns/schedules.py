"""Is a campaign (or dialer) open at instant T? One answer, for every caller.

- No schedule attached: open at all hours. Several attached: open when any of them is.
- A schedule is evaluated in its own time zone, on wall-clock time, so daylight-saving changes
  move nothing: 09:00–18:00 stays 09:00–18:00 local on both sides of a change.
- A rule opens on its weekdays from ``start`` to ``end``; an ``overnight`` rule (22:00–02:00)
  runs from ``start`` on its weekday to ``end`` on the next day.
- A holiday replaces the rules on its local date: closed all day, or open only in its own hours.
  An overnight range from the day before stops at the holiday's midnight.
- A schedule without rules (and without a holiday with hours that day) is never open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, available_timezones

MIDNIGHT = dt.time(0, 0)


@dataclass(frozen=True)
class Rule:
    weekdays: frozenset[int]
    start: dt.time
    end: dt.time
    overnight: bool = False


@dataclass(frozen=True)
class HolidayHours:
    date: dt.date
    start: dt.time | None = None
    end: dt.time | None = None


@dataclass(frozen=True)
class Hours:
    """A schedule as plain data."""

    time_zone: str
    rules: tuple[Rule, ...] = ()
    holidays: dict[dt.date, HolidayHours] = field(default_factory=dict)


def valid_time_zone(name: str) -> bool:
    return name in _zones()


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


def _rule_covers(rule: Rule, day: dt.date, time: dt.time, holidays: dict) -> bool:
    weekday = day.weekday()
    if not rule.overnight:
        return weekday in rule.weekdays and rule.start <= time < rule.end
    # Overnight: the evening part belongs to today, the morning part to yesterday's rule.
    if weekday in rule.weekdays and time >= rule.start:
        return True
    yesterday = day - dt.timedelta(days=1)
    return yesterday.weekday() in rule.weekdays and time < rule.end and yesterday not in holidays


def hours_open(hours: Hours, at: dt.datetime) -> bool:
    """Is one schedule open at the aware instant ``at``?"""
    if at.tzinfo is None:
        raise ValueError("give an aware datetime")
    local = at.astimezone(ZoneInfo(hours.time_zone))
    day, time = local.date(), local.time().replace(tzinfo=None)
    holiday = hours.holidays.get(day)
    if holiday is not None:
        return holiday.start is not None and holiday.start <= time < holiday.end
    return any(_rule_covers(rule, day, time, hours.holidays) for rule in hours.rules)


def open_at(schedules: Iterable[Hours], at: dt.datetime) -> bool:
    """Open when nothing is attached, or when any attached schedule is open."""
    schedules = list(schedules)
    return not schedules or any(hours_open(h, at) for h in schedules)


def next_opening(
    schedules: Iterable[Hours], after: dt.datetime, *, horizon_days: int = 400
) -> dt.datetime | None:
    """The first instant after ``after`` at which ``schedules`` are open (None: not within
    ``horizon_days``). A schedule opens at a rule's or a holiday's start, or at a local midnight
    (the end of a closed holiday, the morning part of an overnight rule), so only those
    instants are tried, day by day, in each schedule's own time zone."""
    schedules = list(schedules)
    if not schedules:
        return after
    found: dt.datetime | None = None
    for hours in schedules:
        zone = ZoneInfo(hours.time_zone)
        starts = {MIDNIGHT, *(r.start for r in hours.rules)}
        starts |= {h.start for h in hours.holidays.values() if h.start is not None}
        first_day = after.astimezone(zone).date()
        for offset in range(horizon_days + 1):
            day = first_day + dt.timedelta(days=offset)
            candidates = sorted(
                dt.datetime.combine(day, time, tzinfo=zone).astimezone(dt.UTC) for time in starts
            )
            hit = next((c for c in candidates if c > after and hours_open(hours, c)), None)
            if hit is not None:
                found = hit if found is None else min(found, hit)
                break
            if found is not None and dt.datetime.combine(day, MIDNIGHT, tzinfo=zone) > found:
                break
    return found
