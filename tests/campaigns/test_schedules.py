"""Is a schedule open at instant T: overnight ranges, DST, time zones, holidays, empty schedules."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.schedules import HolidayHours, Hours, Rule, hours_open, open_at

ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
MVD, MAD = "America/Montevideo", "Europe/Madrid"


def at(zone: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(zone))


def office(zone: str = MVD, **kwargs) -> Hours:
    return Hours(zone, (Rule(WEEKDAYS, dt.time(9), dt.time(18)),), **kwargs)


def test_office_hours():
    hours = office()
    assert hours_open(hours, at(MVD, 2026, 11, 25, 9, 0))  # Wednesday 09:00
    assert hours_open(hours, at(MVD, 2026, 11, 25, 17, 59))
    assert not hours_open(hours, at(MVD, 2026, 11, 25, 18, 0))  # the end is excluded
    assert not hours_open(hours, at(MVD, 2026, 11, 25, 8, 59))
    assert not hours_open(hours, at(MVD, 2026, 11, 28, 10, 0))  # Saturday


def test_time_zones_are_respected():
    hours = office(MVD)  # Montevideo is UTC-3
    assert hours_open(hours, dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))  # 09:00 local
    assert not hours_open(hours, dt.datetime(2026, 11, 25, 11, 59, tzinfo=dt.UTC))


def test_overnight_range_belongs_to_the_day_it_starts():
    hours = Hours(MVD, (Rule(frozenset({4}), dt.time(22), dt.time(2), overnight=True),))  # Fri
    assert hours_open(hours, at(MVD, 2026, 11, 27, 23, 30))  # Friday night
    assert hours_open(hours, at(MVD, 2026, 11, 28, 1, 59))  # Saturday early morning
    assert not hours_open(hours, at(MVD, 2026, 11, 28, 2, 0))
    assert not hours_open(hours, at(MVD, 2026, 11, 27, 1, 0))  # Thursday's night is not Friday's
    assert not hours_open(hours, at(MVD, 2026, 11, 28, 23, 0))  # Saturday night


def test_dst_change_in_madrid_keeps_wall_clock_hours():
    hours = office(MAD)
    # Sunday 2026-03-29 clocks go 02:00 → 03:00 in Madrid: 09:00 local is 08:00 UTC before, 07:00 UTC after.
    assert hours_open(hours, dt.datetime(2026, 3, 27, 8, 0, tzinfo=dt.UTC))  # Fri 09:00 CET
    assert not hours_open(hours, dt.datetime(2026, 3, 30, 6, 59, tzinfo=dt.UTC))  # Mon 08:59 CEST
    assert hours_open(hours, dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC))  # Mon 09:00 CEST


def test_overnight_across_the_dst_gap():
    hours = Hours(MAD, (Rule(frozenset({5}), dt.time(22), dt.time(4), overnight=True),))  # Sat
    # The night of 28→29 March 2026 is an hour shorter: still open until 04:00 local.
    assert hours_open(hours, dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC))  # 03:30 CEST
    assert not hours_open(hours, dt.datetime(2026, 3, 29, 2, 0, tzinfo=dt.UTC))  # 04:00 CEST


def test_holidays_close_or_set_their_own_hours():
    closed = HolidayHours(dt.date(2026, 11, 25))
    short = HolidayHours(dt.date(2026, 11, 26), dt.time(10), dt.time(12))
    hours = office(holidays={closed.date: closed, short.date: short})
    assert not hours_open(hours, at(MVD, 2026, 11, 25, 10, 0))
    assert hours_open(hours, at(MVD, 2026, 11, 26, 11, 0))
    assert not hours_open(hours, at(MVD, 2026, 11, 26, 15, 0))
    assert hours_open(hours, at(MVD, 2026, 11, 27, 15, 0))


def test_overnight_range_stops_at_a_holidays_midnight_and_does_not_start_on_one():
    rule = Rule(ALL_DAYS, dt.time(22), dt.time(2), overnight=True)
    holiday = dt.date(2026, 12, 25)
    hours = Hours(MVD, (rule,), {holiday: HolidayHours(holiday)})
    assert hours_open(hours, at(MVD, 2026, 12, 24, 23, 0))
    assert not hours_open(hours, at(MVD, 2026, 12, 25, 1, 0))  # the holiday itself
    assert not hours_open(hours, at(MVD, 2026, 12, 25, 23, 0))
    assert not hours_open(hours, at(MVD, 2026, 12, 26, 1, 0))  # the holiday night never began
    assert hours_open(hours, at(MVD, 2026, 12, 26, 23, 0))


def test_no_schedule_is_always_open_an_empty_schedule_never():
    now = dt.datetime.now(dt.UTC)
    assert open_at([], now)
    assert not open_at([Hours(MVD)], now)


def test_any_attached_schedule_opens():
    morning = Hours(MVD, (Rule(ALL_DAYS, dt.time(8), dt.time(12)),))
    evening = Hours(MVD, (Rule(ALL_DAYS, dt.time(18), dt.time(20)),))
    assert open_at([morning, evening], at(MVD, 2026, 11, 25, 19, 0))
    assert not open_at([morning, evening], at(MVD, 2026, 11, 25, 15, 0))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        hours_open(office(), dt.datetime(2026, 1, 1, 10, 0))


instants = st.datetimes(
    min_value=dt.datetime(2020, 1, 1),
    max_value=dt.datetime(2035, 12, 31),
    timezones=st.just(dt.UTC),
)
times = st.times().map(lambda t: t.replace(microsecond=0, second=0))
zones = st.sampled_from([MVD, MAD, "UTC", "Asia/Kolkata", "America/New_York"])


@settings(max_examples=300)
@given(instants, zones)
def test_every_day_all_day_is_always_open(instant, zone):
    always = Hours(zone, (Rule(ALL_DAYS, dt.time(0), dt.time(0), overnight=True),))
    assert hours_open(always, instant)


@settings(max_examples=300)
@given(instants, zones, st.frozensets(st.integers(0, 6), min_size=1), times, times)
def test_overnight_rule_equals_its_two_halves(instant, zone, days, start, end):
    if end >= start:
        return
    overnight = Hours(zone, (Rule(days, start, end, overnight=True),))
    next_days = frozenset((d + 1) % 7 for d in days)
    halves = Hours(
        zone, (Rule(days, start, dt.time(23, 59, 59, 999999)), Rule(next_days, dt.time(0), end))
    )
    assert hours_open(overnight, instant) == hours_open(halves, instant)


@settings(max_examples=300)
@given(instants, zones, st.frozensets(st.integers(0, 6)), times, times)
def test_matches_a_plain_reading_of_local_wall_time(instant, zone, days, start, end):
    if end <= start:
        return
    hours = Hours(zone, (Rule(days, start, end),))
    local = instant.astimezone(ZoneInfo(zone))
    expected = local.weekday() in days and start <= local.time().replace(tzinfo=None) < end
    assert hours_open(hours, instant) == expected
