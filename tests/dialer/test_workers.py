"""The sending loop on real Celery workers (their own private Redis, so nothing else interferes),
against the fake provider over HTTP: start/stop, schedules, throttle, several workers, SIGKILL."""

from __future__ import annotations

import collections
import datetime as dt
import subprocess
import time

import pytest
from django.conf import settings

from campaigns.services import save_schedule
from contactcenter.embedded_redis import PrivateRedis
from dialer.models import Dialer, SpoolRow
from dialer.sending import SEQUENTIAL_MARKS
from dialer.states import SpoolState as S
from tests.conftest import ARTIFACTS, CeleryWorker, free_port, wait_until
from tests.dialer.factories import dialer_for, gateway, spool
from tests.fakeprovider import Behaviour, FakeProviderServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker():
    server = PrivateRedis(
        ARTIFACTS / "dialer-redis" / f"{free_port()}.sock", port=free_port()
    ).start()
    yield server
    server.stop()


@pytest.fixture
def workers(broker):
    started = []

    def start(count=1, beat=True, queues=None, **env):
        base = {"DIALER_TASK_SECONDS": "5", "DIALER_HEARTBEAT_MARGIN": "2",
                "DIALER_TICK_SECONDS": "0.5", **env}  # fmt: skip
        for i in range(count):
            args = (
                ("-B", "--schedule", str(ARTIFACTS / f"beat-{broker.port}-{len(started)}"))
                if beat and i == 0
                else ()
            )
            worker = CeleryWorker(
                broker.url,
                f"dialer-{broker.port}-{len(started)}",
                env=base,
                args=args,
                queues=queues,
            )
            started.append(worker.spawn())  # side by side; each is waited for below
        return [worker.ready() for worker in started[-count:]]

    yield start
    # A warm shutdown waits for the task in hand: stopped dialers end theirs within a second
    # (rather than DIALER_TASK_SECONDS), and the workers shut down side by side.
    Dialer.objects.update(running=False)
    for worker in started:
        if worker.process.poll() is None:
            worker.process.terminate()
    for worker in started:
        try:
            worker.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture
def server():
    with FakeProviderServer() as fake:
        yield fake


def run(dialer):
    Dialer.objects.filter(pk=dialer.pk).update(running=True)  # the workers' beat picks it up


TICK = "dialer.tasks.tick"


def after_ticks(worker, count, seconds=30):
    """Wait until the worker's beat has run ``count`` more ticks than it had when called."""
    start = worker.finished(TICK)
    return wait_until(lambda: worker.finished(TICK) >= start + count, seconds)


def sending(campaign):
    return SpoolRow.objects.filter(campaign=campaign, state=S.SENDING).count()


def unfinished(campaign):
    return SpoolRow.objects.filter(
        campaign=campaign, state__in=[S.TO_PROCESS, S.SENDING], fate_unknown=False
    ).count()


def test_running_dialer_sends_everything_and_stop_stops(server, supervisor, workers):
    dialer = dialer_for(supervisor, gateway(server.url), time_between_messages=50)
    spool(dialer.campaign, [(f"+598990{i:05d}", f"hello {i}", 0) for i in range(60)])
    (worker,) = workers(1)
    assert after_ticks(worker, 2)  # the beat looked at the dialer twice
    assert server.requests == []  # not running: nothing goes out
    run(dialer)
    assert wait_until(lambda: len(server.requests) >= 10, 30)
    Dialer.objects.filter(pk=dialer.pk).update(running=False)
    # The batch in hand finishes and its task ends: no row claimed, the worker between tasks.
    assert wait_until(lambda: sending(dialer.campaign) == 0 and worker.idle(), 30)
    stopped_at = len(server.requests)
    # A negative check needs a window: two more ticks of the beat (which starts batches for
    # running dialers), the worker idle after them: a batch the first one started (published
    # to the worker before the second tick) would have sent by then.
    assert after_ticks(worker, 2) and wait_until(worker.idle, 10)
    assert len(server.requests) == stopped_at < 60
    run(dialer)
    assert wait_until(lambda: unfinished(dialer.campaign) == 0, 60)
    assert sorted(r.json()["to"] for r in server.requests) == sorted(
        f"+598990{i:05d}" for i in range(60)
    )


def test_out_of_schedule_dialer_sends_nothing(server, supervisor, workers):
    never = save_schedule(schedule=None, name="Never", time_zone="UTC", rules=[], holidays=[])
    dialer = dialer_for(supervisor, gateway(server.url))
    dialer.schedules.set([never])
    spool(dialer.campaign, [("+59899000001", "x", 0)])
    (worker,) = workers(1)
    run(dialer)
    # Two ticks after the dialer runs (the first may have begun before), the worker idle after
    # them: a batch either tick started would have sent its row by then.
    assert after_ticks(worker, 2) and wait_until(worker.idle, 10)
    assert server.requests == []
    assert SpoolRow.objects.get().state == S.TO_PROCESS
    always = save_schedule(
        schedule=None,
        name="Always",
        time_zone="UTC",
        rules=[
            {"weekdays": list(range(7)), "start": dt.time(0), "end": dt.time(0), "overnight": True}
        ],
        holidays=[],
    )
    dialer.schedules.set([always])
    assert wait_until(lambda: len(server.requests) == 1, 30)


def test_throttle_is_honoured_across_workers(server, supervisor, workers):
    dialer = dialer_for(supervisor, gateway(server.url), time_between_messages=300)
    spool(dialer.campaign, [(f"+5989900000{i}", "x", 0) for i in range(8)])
    server.record_times = True
    workers(2)
    run(dialer)
    assert wait_until(lambda: unfinished(dialer.campaign) == 0, 60)
    times = sorted(server.request_times)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 8 and min(gaps) >= 0.25, gaps  # 300 ms apart, generous tolerance


def test_four_workers_on_one_dialer_never_double_send(server, supervisor, workers):
    dialer = dialer_for(supervisor, gateway(server.url))
    numbers = [f"+5989{i:07d}" for i in range(600)]
    spool(dialer.campaign, [(n, "x", i % 3) for i, n in enumerate(numbers)])
    server.always(Behaviour(delay=0.005))
    workers(4)
    run(dialer)
    assert wait_until(lambda: unfinished(dialer.campaign) == 0, 120)
    received = collections.Counter(r.json()["to"] for r in server.requests)
    assert set(received) == set(numbers)
    assert max(received.values()) == 1
    assert SpoolRow.objects.filter(state=S.SENT).count() == 600


def killed_mid_batch(server, supervisor, workers) -> Dialer:
    """A dialer sending 120 rows to a slow provider whose only worker is SIGKILLed after 15 sends,
    mid-batch: rows claimed, some in flight (no cleanup at all, as when a machine dies)."""
    dialer = dialer_for(supervisor, gateway(server.url, connect_timeout=1, read_timeout=2))
    spool(dialer.campaign, [(f"+5989{i:07d}", "x", 0) for i in range(120)])
    server.always(Behaviour(delay=0.1))
    (first,) = workers(1)
    run(dialer)
    assert wait_until(lambda: len(server.requests) >= 15, 30)
    first.kill()
    return dialer


def test_sigkill_mid_batch_never_double_sends_and_loses_nothing(server, supervisor, workers):
    dialer = killed_mid_batch(server, supervisor, workers)
    killed_at = len(server.requests)
    assert SpoolRow.objects.filter(state=S.SENDING).exists()
    workers(1)  # a new worker; its beat settles the dead batch once its heartbeat expires
    assert wait_until(lambda: unfinished(dialer.campaign) == 0, 120)
    received = collections.Counter(r.json()["to"] for r in server.requests)
    assert max(received.values()) == 1, [n for n, c in received.items() if c > 1]
    rows = list(SpoolRow.objects.filter(campaign=dialer.campaign))
    final = [r for r in rows if r.state in (S.SENT, S.FAILED, S.BLOCKED, S.OTHER)]
    unknown = [r for r in rows if r.state == S.SENDING and r.fate_unknown]
    assert len(final) + len(unknown) == 120
    # Only the window of rows in flight at the kill (sent concurrently) can be unknown.
    assert len(unknown) <= settings.DIALER_SEND_CONCURRENCY
    sent = {r.destination for r in rows if r.state == S.SENT}
    assert sent <= set(received)  # every row marked sent really reached the provider
    assert len(received) >= killed_at


def test_sigkill_while_sending_one_after_another_never_double_sends(server, supervisor, workers):
    """A fast provider gets rows one after another, up to SEQUENTIAL_MARKS of them marked in
    flight by one journal round trip: killed while a send hangs, no row is sent twice, nothing
    is lost, and the rows of the unknown fate (the hanging one among them) are at most that
    many."""
    dialer = dialer_for(supervisor, gateway(server.url, connect_timeout=1, read_timeout=2))
    spool(dialer.campaign, [(f"+5989{i:07d}", "x", 0) for i in range(120)])
    server.then(*[Behaviour()] * 30, Behaviour(delay=5))  # then fast again, for the next worker
    (first,) = workers(1)
    run(dialer)
    assert wait_until(lambda: len(server.requests) >= 31, 30)
    first.kill()
    hanging = server.requests[30].json()["to"]
    workers(1)  # a new worker; its beat settles the dead batch once its heartbeat expires
    assert wait_until(lambda: unfinished(dialer.campaign) == 0, 120)
    received = collections.Counter(r.json()["to"] for r in server.requests)
    assert max(received.values()) == 1, [n for n, c in received.items() if c > 1]
    rows = list(SpoolRow.objects.filter(campaign=dialer.campaign))
    final = [r for r in rows if r.state in (S.SENT, S.FAILED, S.BLOCKED, S.OTHER)]
    unknown = {r.destination for r in rows if r.state == S.SENDING and r.fate_unknown}
    assert len(final) + len(unknown) == 120
    assert hanging in unknown and len(unknown) <= SEQUENTIAL_MARKS
    assert {r.destination for r in rows if r.state == S.SENT} <= set(received)


def test_a_dead_provider_does_not_hold_up_another_dialer(server, supervisor, workers):
    from tests.campaigns.factories import make_campaign

    with FakeProviderServer() as dead:
        dead.always(Behaviour(delay=3))  # answers too late: every send times out
        slow = dialer_for(
            supervisor,
            gateway(dead.url, name="Dead", connect_timeout=1, read_timeout=0.5),
            campaign=make_campaign(supervisor, name="Dead line", did=""),
        )
        fine = dialer_for(
            supervisor,
            gateway(server.url, name="Fine"),
            campaign=make_campaign(supervisor, name="Fine line", did=""),
        )
        spool(slow.campaign, [(f"+5989800{i:04d}", "x", 0) for i in range(200)])
        spool(fine.campaign, [(f"+5989900{i:04d}", "x", 0) for i in range(200)])
        workers(1)  # one worker process, one task at a time
        run(slow)
        run(fine)
        assert wait_until(lambda: unfinished(fine.campaign) == 0, 60)
        # The dead provider was tried, then rested: its rows wait, none lost, none failed.
        assert len(dead.requests) < 50
        assert SpoolRow.objects.filter(campaign=slow.campaign, state=S.TO_PROCESS).count() == 200


def test_routing_queue_runs_while_every_dialer_slot_is_busy(server, supervisor, broker, workers):
    """Dialer batches have their own queue and workers: with the dialer worker busy sending (and
    more batches waiting for it), routing an inbound message (its own queue, its own worker)
    still starts at once."""
    from contactcenter import queues
    from contactcenter.celery import app
    from contactcenter.redis_urls import celery_url
    from conversations.models import Message
    from conversations.states import Routing
    from conversations.tasks import route_messages
    from tests.conversations.factories import inbound

    dialer = dialer_for(supervisor, gateway(server.url))
    spool(dialer.campaign, [(f"+5989{i:07d}", "x", 0) for i in range(400)])
    server.always(Behaviour(delay=0.2))
    # The production shape (contactcenter.queues.WORKERS), one solo process per kind.
    assert set().union(*queues.WORKERS.values()) == set(queues.ALL)
    for kind, served in queues.WORKERS.items():
        workers(1, beat=kind == "worker", queues=served, DIALER_TASK_SECONDS="20")
    run(dialer)
    # Every slot taken: one batch task sending in the (single-slot) dialer worker, more queued.
    assert wait_until(lambda: len(server.requests) >= 8, 30)
    message = inbound(dialer.provider, "+59899111222", "hi", did="no-campaign")
    with app.connection_for_write(celery_url(broker.url)) as connection:
        started = time.monotonic()
        route_messages.apply_async(([message.pk],), connection=connection)
    assert wait_until(lambda: Message.objects.get(pk=message.pk).routing != Routing.PENDING, 1.0)
    waited = time.monotonic() - started
    assert Message.objects.get(pk=message.pk).routing == Routing.UNROUTED
    assert SpoolRow.objects.filter(state=S.SENDING).exists()  # the batch is still being sent
    print(f"routing task ran {waited:.3f} s after publish, dialer busy")


def test_sigkill_then_redis_loses_the_journal_never_double_sends(
    server, supervisor, broker, workers, settings
):
    """The crash journal of the dead batch is gone (FLUSHALL: Redis restarted without
    persistence, or evicted it): recovery cannot tell sent from unsent, so every claimed row
    without a recorded outcome goes to the fate-unknown list, none is sent again."""
    import redis

    from dialer.recovery import recover_abandoned_batches
    from dialer.selectors import unknown_rows

    settings.REDIS_URL = broker.url  # recovery below runs here, on the workers' Redis
    dialer = killed_mid_batch(server, supervisor, workers)
    claimed = SpoolRow.objects.filter(state=S.SENDING).count()
    assert claimed
    redis.Redis.from_url(broker.url).flushall()  # the journal (and the heartbeat) are gone
    assert recover_abandoned_batches() >= 1
    unknown = unknown_rows(dialer.campaign)
    assert len(unknown) == claimed  # nothing of the dead batches went back to the queue
    assert all("journal was lost" in r.error for r in unknown)
    workers(1)  # a fresh worker sends what was never claimed
    assert wait_until(lambda: unfinished(dialer.campaign) == 0, 120)
    received = collections.Counter(r.json()["to"] for r in server.requests)
    assert max(received.values()) == 1, [n for n, c in received.items() if c > 1]
    rows = list(SpoolRow.objects.filter(campaign=dialer.campaign))
    final = [r for r in rows if r.state in (S.SENT, S.FAILED, S.BLOCKED, S.OTHER)]
    assert len(final) + len(unknown_rows(dialer.campaign)) == 120
    assert {r.destination for r in unknown} & set(received)  # some really were in flight
