"""``rebuild_report_rollups`` recounts one local day per transaction: writes that move a figure
made while it runs (another connection) wait for one day's recount at most, not for the whole
command, and none of their deltas is lost or counted twice."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.roles import Role
from conversations.models import Interaction
from reports import rollups
from reports.rollups import install, rebuild, rebuild_days
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user
from tests.reports.test_figures import rollup_rows
from tests.reports.world import TZ, ZONE, held, interaction, message

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = dt.date(2026, 11, 3)
DAYS = 6


def noon(k: int, minute: int = 0) -> dt.datetime:
    day = FIRST + dt.timedelta(days=k)
    return dt.datetime(day.year, day.month, day.day, 12, minute, tzinfo=TZ)


@pytest.fixture
def history(settings, supervisor, group):  # noqa: ANN201
    """Two campaigns, two agents, a few answered, abandoned and open interactions on each of
    DAYS local days (Montevideo), written through the ORM (the triggers keep the rollups)."""
    settings.TIME_ZONE = ZONE
    install(ZONE)
    campaigns = [make_campaign(supervisor, name=f"C{k}", did=f"80{k}") for k in range(2)]
    agents = [make_user(f"day-agent{k}", Role.AGENT, [group]) for k in range(2)]
    rnd = random.Random(3)
    for k in range(DAYS):
        for n in range(4):
            opened = noon(k, n * 10)
            campaign, agent = rnd.choice(campaigns), rnd.choice(agents)
            kind = n % 3
            if kind == 0:  # answered and closed
                item = interaction(campaign, f"+59891{k}{n:05d}", opened, agent=agent,
                                   assigned_at=opened + dt.timedelta(seconds=5),
                                   first_reply_at=opened + dt.timedelta(seconds=40),
                                   closed_at=opened + dt.timedelta(minutes=9), close_reason="agent")  # fmt: skip
                held(
                    item, agent, opened + dt.timedelta(seconds=5), opened + dt.timedelta(minutes=9)
                )
                message(item, opened)
                message(item, opened + dt.timedelta(seconds=40), out=True, agent=agent, segments=2)
            elif kind == 1:  # abandoned
                item = interaction(campaign, f"+59891{k}{n:05d}", opened,
                                   closed_at=opened + dt.timedelta(hours=2), close_reason="expired")  # fmt: skip
                message(item, opened)
            else:  # open, held
                item = interaction(campaign, f"+59891{k}{n:05d}", opened, agent=agent,
                                   state="assigned", assigned_at=opened + dt.timedelta(seconds=3))  # fmt: skip
                held(item, agent, opened + dt.timedelta(seconds=3))
                message(item, opened)
    return campaigns, agents


def spoil_rollups() -> None:
    """What a bulk load without triggers leaves: figures that are wrong everywhere."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reports_rollup SET received = received + 7, messages_in = 0")


def equal_to_a_recompute() -> None:
    kept = rollup_rows()
    assert sum(values[0] for values in kept.values()) > 0
    rebuild()  # everything again, in one transaction, with no writer around
    assert rollup_rows() == kept


def test_a_write_between_days_is_not_blocked_for_the_whole_command(history, monkeypatch) -> None:
    campaigns, agents = history
    recounted = rollup_rows()
    spoil_rollups()
    assert rollup_rows() != recounted
    between, go = threading.Event(), threading.Event()
    days: list[dt.date] = []
    original = rollups.rebuild
    outcome: dict = {}

    def one_day(first, last, campaign_ids=None):  # noqa: ANN001, ANN202
        if len(days) == 3:  # three days recounted and committed, three to go
            between.set()
            assert go.wait(30), "the writer never finished"
        days.append(first)
        return original(first, last, campaign_ids)

    monkeypatch.setattr(rollups, "rebuild", one_day)

    def command() -> None:
        try:
            call_command("rebuild_report_rollups", verbosity=0)
            outcome["ok"] = True
        except BaseException as exc:  # noqa: BLE001 (reported to the test's thread)
            outcome["error"] = exc
        finally:
            connection.close()

    worker = threading.Thread(target=command)
    worker.start()
    try:
        assert between.wait(30), "the command did not recount day by day"
        assert worker.is_alive()
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # blocked for the whole command: an error
        try:
            # A day already recounted, the day about to be, and a day after it.
            done_day = Interaction.objects.filter(opened_at__lt=noon(0, 59)).first()
            message(done_day, noon(0, 55), out=True, agent=agents[0], segments=3)
            fresh = interaction(campaigns[1], "+59892000001", noon(2, 1), agent=agents[1],
                                assigned_at=noon(2, 2), first_reply_at=noon(2, 3),
                                closed_at=noon(2, 8), close_reason="agent")  # fmt: skip
            message(fresh, noon(2, 1))
            later = Interaction.objects.filter(state="assigned", opened_at__gt=noon(4)).first()
            message(later, noon(5, 50))
            Interaction.objects.filter(pk=later.pk).update(first_reply_at=noon(5, 51))
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        waited = time.monotonic() - started
    finally:
        go.set()
        worker.join(60)
    assert outcome.get("ok"), outcome
    assert waited < 5, waited
    # Every counted day (one on each side of the history) recounted, one call per day, in order.
    assert days == [FIRST + dt.timedelta(days=k) for k in range(-1, DAYS + 1)]
    equal_to_a_recompute()


def test_writes_racing_the_recount_are_neither_lost_nor_doubled(history, monkeypatch) -> None:
    """A writer on another connection moves figures on every day, as fast as it can, while
    the command recounts them: afterwards the rollups equal a quiet recompute."""
    campaigns, agents = history
    spoil_rollups()
    original = rollups.rebuild

    def one_day(first, last, campaign_ids=None):  # noqa: ANN001, ANN202
        written = original(first, last, campaign_ids)
        time.sleep(0.05)  # a window between days, as a long recount's days would leave
        return written

    monkeypatch.setattr(rollups, "rebuild", one_day)
    stop = threading.Event()
    writes: list[float] = []
    failures: list[BaseException] = []

    def writer() -> None:
        rnd = random.Random(9)
        open_ones = list(Interaction.objects.filter(state="assigned"))
        try:
            n = 0
            while not stop.is_set():
                n += 1
                started = time.monotonic()
                k = rnd.randrange(DAYS)
                op = rnd.random()
                if op < 0.4:
                    item = interaction(rnd.choice(campaigns), f"+59893{n:06d}", noon(k, 30))
                    message(item, noon(k, 31))
                elif op < 0.7 and open_ones:
                    item = rnd.choice(open_ones)
                    message(item, item.opened_at + dt.timedelta(minutes=rnd.randint(1, 30)),
                            out=True, agent=item.agent, segments=rnd.randint(1, 3))  # fmt: skip
                elif open_ones:
                    item = open_ones.pop(rnd.randrange(len(open_ones)))
                    Interaction.objects.filter(pk=item.pk).update(
                        state="closed", closed_at=item.opened_at + dt.timedelta(hours=1),
                        close_reason="agent", first_reply_at=item.opened_at + dt.timedelta(seconds=9),
                    )  # fmt: skip
                writes.append(time.monotonic() - started)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connection.close()

    racer = threading.Thread(target=writer)
    racer.start()
    try:
        time.sleep(0.2)
        started = time.monotonic()
        rebuild_days(each_day=lambda day, rows: None)
        spent = time.monotonic() - started
    finally:
        stop.set()
        racer.join(60)
    assert not failures, failures
    assert len(writes) > 20, len(writes)
    assert max(writes) < spent, (max(writes), spent)  # none waited for the whole recount
    equal_to_a_recompute()


def test_a_range_and_a_campaign_touch_nothing_else(history) -> None:
    campaigns, _agents = history
    spoil_rollups()
    spoiled = rollup_rows()
    day = FIRST + dt.timedelta(days=2)
    call_command("rebuild_report_rollups", f"--since={day}", f"--until={day}",
                 f"--campaign={campaigns[0].pk}", verbosity=0)  # fmt: skip
    after = rollup_rows()
    changed = {key for key in after.keys() | spoiled.keys() if after.get(key) != spoiled.get(key)}
    assert changed and {(d, c) for d, c, _a in changed} == {(day, campaigns[0].pk)}
    call_command("rebuild_report_rollups", verbosity=0)
    equal_to_a_recompute()
