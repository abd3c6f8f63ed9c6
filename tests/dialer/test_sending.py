"""The sending loop in-process (``send_for``, what the batch task runs), against the fake
provider over real HTTP."""

from __future__ import annotations

import collections
import threading
import time

import pytest

from contactcenter.redis_client import redis_client
from dialer.claims import claim_batch
from dialer.counters import counts
from dialer.dncr import add_dncr
from dialer.models import Dialer, SpoolRow
from dialer.send_mode import SAMPLES, SendMode
from dialer.sending import (
    BACKOFF_SECONDS,
    BREAKER_FAILURES,
    MAX_ATTEMPTS,
    SEQUENTIAL_MARKS,
    finish_batch,
    prepare_batch,
    provider_resting,
    send_batch,
    send_for,
)
from dialer.states import SpoolState as S
from providers.breaker import end_rest
from tests.dialer.factories import dialer_for, gateway, send_due, spool
from tests.fakeprovider import Behaviour, FakeProviderServer, Reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server():
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture
def dialer(server, supervisor):
    return dialer_for(supervisor, gateway(server.url))


def sent_to(server):
    return [r.json()["to"] for r in server.requests]


def states(campaign):
    return dict(SpoolRow.objects.filter(campaign=campaign).values_list("destination", "state"))


def test_order_is_priority_then_position(server, dialer, settings):
    settings.DIALER_SEND_CONCURRENCY = 1  # one at a time: the provider sees the exact order
    spool(
        dialer.campaign,
        [
            ("+59899000001", "a", 5),
            ("+59899000002", "b", 1),
            ("+59899000003", "c", 5),
            ("+59899000004", "d", 0),
        ],
    )
    assert send_due(dialer) == 4
    assert sent_to(server) == ["+59899000004", "+59899000002", "+59899000001", "+59899000003"]
    row = SpoolRow.objects.get(destination="+59899000004")
    assert row.state == S.SENT and row.provider_message_id == "msg-1" and row.attempts == 1
    assert counts(dialer.campaign_id)[S.SENT] == 4 and counts(dialer.campaign_id)[S.TO_PROCESS] == 0


def test_concurrent_windows_keep_priorities_in_order(server, dialer, settings):
    settings.DIALER_SEND_CONCURRENCY = 8
    spool(
        dialer.campaign,
        [(f"+5989900{i:04d}", "low", 5) for i in range(16)]
        + [(f"+5989901{i:04d}", "high", 0) for i in range(8)],
    )
    send_due(dialer)
    texts = [r.json()["text"] for r in server.requests]
    assert texts[:8] == ["high"] * 8 and texts[8:] == ["low"] * 16


@pytest.mark.parametrize(("concurrency", "size"), [(1, 50), (8, 56), (32, 128)])
def test_batches_are_fifty_rows_or_more_in_whole_windows(
    server, dialer, settings, concurrency, size
):
    settings.DIALER_SEND_CONCURRENCY = concurrency
    spool(dialer.campaign, [(f"+5989900{i:04d}", "x", 0) for i in range(2 * size + 20)])
    batch = prepare_batch(dialer)  # what the loop claims at a time
    assert len(batch.rows) == size
    finish_batch(batch)  # not sent: its rows go back to the queue
    assert send_due(dialer) == 2 * size + 20
    assert len(server.requests) == 2 * size + 20


def test_dncr_global_and_per_campaign_block(server, dialer, supervisor):
    spool(dialer.campaign, [("098344484", "a", 0), ("+59898000111", "b", 0), ("099111222", "c", 0)])
    add_dncr(number="+59898344484", campaign_id=None)  # same number, other spelling
    add_dncr(number="098000111", campaign_id=dialer.campaign_id)
    send_due(dialer)
    assert states(dialer.campaign) == {
        "098344484": S.BLOCKED,
        "+59898000111": S.BLOCKED,
        "099111222": S.SENT,
    }
    assert sent_to(server) == ["099111222"]


def test_dncr_check_can_be_off(server, supervisor):
    dialer = dialer_for(supervisor, gateway(server.url), check_dncr=False)
    spool(dialer.campaign, [("098344484", "a", 0)])
    add_dncr(number="098344484", campaign_id=None)
    send_due(dialer)
    assert states(dialer.campaign) == {"098344484": S.SENT}


def test_provider_regexp_gives_other(server, supervisor):
    dialer = dialer_for(supervisor, gateway(server.url, number_regexp=r"^09\d{7}$"))
    spool(dialer.campaign, [("099123456", "ok", 0), ("12345", "bad", 0)])
    send_due(dialer)
    assert states(dialer.campaign) == {"099123456": S.SENT, "12345": S.OTHER}
    assert "incorrect number format" in SpoolRow.objects.get(destination="12345").error
    assert sent_to(server) == ["099123456"]


def test_permanent_error_fails_with_the_text(server, dialer):
    spool(dialer.campaign, [("+59899000001", "a", 0)])
    server.then(Behaviour(reply=Reply(400, {"error": "invalid destination"})))
    send_due(dialer)
    row = SpoolRow.objects.get()
    assert row.state == S.FAILED and "invalid destination" in row.error
    assert len(server.requests) == 1


def test_temporary_errors_are_retried_with_backoff_then_sent(server, dialer):
    spool(dialer.campaign, [("+59899000001", "a", 0)])
    server.then(Behaviour(reply=Reply(503, "busy")), Behaviour(reply=Reply(429, "slow down")))
    send_due(dialer)
    row = SpoolRow.objects.get()
    assert row.state == S.TO_PROCESS and row.attempts == 1 and "503" in row.error
    assert row.next_attempt_at is not None
    assert claim_batch(dialer.campaign_id, "t", 50) == []  # not before its backoff
    SpoolRow.objects.update(next_attempt_at=None)
    send_due(dialer)
    SpoolRow.objects.update(next_attempt_at=None)
    send_due(dialer)
    row.refresh_from_db()
    assert row.state == S.SENT and row.attempts == 3
    assert len(server.requests) == 3
    assert BACKOFF_SECONDS[0] >= 10


def test_temporary_errors_are_bounded(server, dialer):
    spool(dialer.campaign, [("+59899000001", "a", 0)])
    server.always(Behaviour(reply=Reply(503, "down")))
    for _ in range(MAX_ATTEMPTS):
        SpoolRow.objects.update(next_attempt_at=None)
        send_due(dialer)
    row = SpoolRow.objects.get()
    assert row.state == S.FAILED and f"retries exhausted ({MAX_ATTEMPTS})" in row.error
    assert len(server.requests) == MAX_ATTEMPTS


def test_a_failing_provider_is_rested_and_the_rest_of_the_batch_waits(server, dialer, settings):
    settings.DIALER_SEND_CONCURRENCY = 1  # one row per window: the breaker is checked per row
    spool(dialer.campaign, [(f"+5989900{i:04d}", "x", 0) for i in range(10)])
    server.always(Behaviour(reply=Reply(503, "down")))
    try:
        send_due(dialer)
        assert provider_resting(dialer.provider_id)
    finally:
        end_rest(dialer.provider_id)
    assert len(server.requests) == BREAKER_FAILURES
    rows = list(SpoolRow.objects.all())
    assert all(r.state == S.TO_PROCESS for r in rows)  # nothing lost, nothing failed
    assert sorted(r.attempts for r in rows) == [0] * 7 + [1] * BREAKER_FAILURES


def test_dial_string_ports_round_robin(server, supervisor):
    from providers.services import save_provider

    provider = save_provider(
        provider=None,
        values={
            "name": "GW ports",
            "api_type": "URLSMS",
            "endpoint": server.url + "/send?to={destination}&port={port}",
        },
        secrets={},
    )
    dialer = dialer_for(supervisor, provider, dial_string="0-2")
    spool(dialer.campaign, [(f"+5989900000{i}", "x", 0) for i in range(5)])
    send_due(dialer)
    by_number = {r.query["to"][0]: int(r.query["port"][0]) for r in server.requests}
    ports = [by_number[f"+5989900000{i}"] for i in range(5)]
    first = ports[0]  # the rotation carries on from the dialer's previous sends
    assert ports == [(first + i) % 3 for i in range(5)]
    assert [r.port for r in SpoolRow.objects.order_by("position")] == ports


def test_counters_follow_every_change(server, dialer):
    spool(dialer.campaign, [("+59899000001", "a", 0), ("12", "b", 0)])
    dialer.provider.number_regexp = r"^\+"
    dialer.provider.save()
    send_due(dialer)
    c = counts(dialer.campaign_id)
    assert (c[S.TO_PROCESS], c[S.SENDING], c[S.SENT], c[S.OTHER]) == (0, 0, 1, 1)


def test_delivery_reports_reach_the_spool_row(server, dialer, live_url):
    from providers.configuration import webhook_url
    from tests.fakeprovider.dialects.webhook import Webhook

    spool(dialer.campaign, [("+59899000001", "a", 0)])
    send_due(dialer)
    row = SpoolRow.objects.get()
    status_url = webhook_url(dialer.provider, "status", live_url)
    assert (
        Webhook.form(status_url, {"id": row.provider_message_id, "status": "delivered"}).deliver()[
            0
        ]
        == 200
    )
    row.refresh_from_db()
    assert row.delivery_status == "delivered"


def test_spool_state_codes():
    assert (S.NONE, S.TO_PROCESS, S.BLOCKED) == (0, 1, 3)  # the manual's codes


# ----------------------------------------------------------------------------------- pipeline
def table_counts(campaign):
    found = collections.Counter(
        SpoolRow.objects.filter(campaign=campaign).values_list("state", flat=True)
    )
    return {state: found.get(state, 0) for state in S.values}


def test_the_pipelined_loop_sends_every_row_once_in_order(server, dialer, settings):
    settings.DIALER_SEND_CONCURRENCY = 1  # one at a time: the provider sees the exact order
    left_before = dialer_keys()  # an earlier, killed run's keys expire on their own
    spool(dialer.campaign, [(f"+5989902{i:04d}", f"m{i}", 0) for i in range(230)])
    Dialer.objects.filter(pk=dialer.pk).update(running=True)
    while send_for(dialer.pk, 30):
        pass
    assert sent_to(server) == [f"+5989902{i:04d}" for i in range(230)]
    assert table_counts(dialer.campaign)[S.SENT] == 230
    assert counts(dialer.campaign_id) == table_counts(dialer.campaign)
    assert not SpoolRow.objects.exclude(claim="").exists()
    assert dialer_keys() <= left_before  # this run's heartbeats and journals are gone


def dialer_keys() -> set[bytes]:
    found = set(redis_client().scan_iter("cc:dialer:heartbeat:*"))
    return found | set(redis_client().scan_iter("cc:dialer:journal:*"))


def test_a_batch_claimed_ahead_goes_back_when_the_dialer_stops(server, dialer):
    server.always(Behaviour(delay=0.1))  # a batch of 50 takes about 0.7 s
    spool(dialer.campaign, [(f"+5989903{i:04d}", "hi", 0) for i in range(300)])
    Dialer.objects.filter(pk=dialer.pk).update(running=True)
    loop = threading.Thread(target=send_for, args=(dialer.pk, 30))
    loop.start()
    deadline = time.monotonic() + 10
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    Dialer.objects.filter(pk=dialer.pk).update(running=False)
    loop.join(30)
    assert not loop.is_alive()
    sent = sent_to(server)
    assert 0 < len(sent) == len(set(sent)) < 300
    found = table_counts(dialer.campaign)
    assert found[S.SENT] == len(sent) and found[S.TO_PROCESS] == 300 - len(sent)
    assert found[S.SENDING] == 0 and counts(dialer.campaign_id) == found
    waiting = SpoolRow.objects.filter(state=S.TO_PROCESS)
    assert not waiting.exclude(claim="").exists() and not waiting.exclude(attempts=0).exists()


def test_a_slow_provider_gets_concurrent_sends(server, dialer, settings):
    settings.DIALER_SEND_CONCURRENCY = 8
    server.always(Behaviour(delay=0.05))
    spool(dialer.campaign, [(f"+5989904{i:04d}", "hi", 0) for i in range(24)])
    started = time.monotonic()
    assert send_due(dialer) == 24
    assert time.monotonic() - started < 24 * 0.05 / 2  # one at a time would take 1.2 s
    assert len(set(sent_to(server))) == 24


def test_one_slow_send_does_not_hold_the_others_back(server, dialer, settings):
    """Concurrent sends slide: while one send waits a whole second, the other threads keep
    sending the rest (in lockstep windows they would wait for it)."""
    settings.DIALER_SEND_CONCURRENCY = 4
    server.record_times = True
    # The first window measures the provider (fast); then one send of the next takes 1 s.
    server.then(*[Behaviour(delay=0.05)] * 4, Behaviour(delay=1.0))
    server.always(Behaviour(delay=0.05))
    spool(dialer.campaign, [(f"+5989905{i:04d}", "hi", 0) for i in range(20)])
    Dialer.objects.filter(pk=dialer.pk).update(running=True)
    while send_for(dialer.pk, 30):
        pass
    times = server.request_times
    assert len(times) == 20 and table_counts(dialer.campaign)[S.SENT] == 20
    slow_started = times[4]
    assert times[-1] - slow_started < 0.8  # every other row went out while the slow one waited
    assert len(set(sent_to(server))) == 20


def journal_round_trips() -> int:
    """EVALSHA calls the Redis server ran (not those refused because it had not loaded the
    script yet): the journal's steps (unpaced dialers run no other script)."""
    stats = redis_client().info("commandstats").get("cmdstat_evalsha", {})
    return stats.get("calls", 0) - stats.get("failed_calls", 0)


def test_a_provider_measured_fast_takes_a_journal_round_trip_per_sequential_marks_rows(
    server, dialer, settings
):
    """Measured fast, the provider gets rows one after another, up to SEQUENTIAL_MARKS of them
    marked in flight by one journal round trip, not one per window."""
    settings.DIALER_SEND_CONCURRENCY = 8  # batches of 56, windows of 8
    spool(dialer.campaign, [(f"+5989906{i:04d}", "hi", 0) for i in range(2 * 56)])
    mode = SendMode()
    for _ in range(SAMPLES):  # sends measured alone, not waiting (as the loop's first window)
        mode.measure(wall=0.0003, cpu=0.0003)
    before = journal_round_trips()
    for _ in range(2):
        batch = prepare_batch(dialer)
        send_batch(batch, mode)
        finish_batch(batch)
    steps = journal_round_trips() - before
    assert sent_to(server) == [f"+5989906{i:04d}" for i in range(2 * 56)]  # one after another
    assert table_counts(dialer.campaign)[S.SENT] == 2 * 56
    # Each batch: its 56 rows marked at once, then their outcomes. One step a window (and one
    # for the last outcomes) would take 2 x (7 + 1).
    assert SEQUENTIAL_MARKS >= 56 and steps == 2 * 2
