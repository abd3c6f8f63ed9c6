"""SMS dialer benchmarks on PostgreSQL (SPEC §7 targets), each beside its baseline, same run.

- ingest: a CSV of BENCH_INGEST_ROWS (1,000,000) through the real upload path (check the whole
  file, then COPY) vs a plain ``COPY`` of the same rows: at most 2x; importer peak memory < 200 MB.
- dispatch: one worker, fake provider (own process, zero delay), no pacing: msg/s vs the plain
  urllib3 loop (as in the providers benchmark): at least 60 %. The two alternate over
  BENCH_DISPATCH_ROUNDS rounds of BENCH_DISPATCH_ROWS messages; the rates are over all rounds.
- dispatch with BENCH_DNCR_ROWS (1,000,000) DNCR entries: at most 10 % slower than with none;
  the dialer's DNCR check off and on alternate over BENCH_DISPATCH_ROUNDS rounds.
- monitor counters with BENCH_MONITOR_ROWS (10,000,000) spool rows: p95 < 50 ms.
- latency: one worker against a fake provider that answers in 200 ms, with the dialer's
  concurrent send mode at DIALER_SEND_CONCURRENCY 8 and 32: at least 90 % of
  ``concurrency / 0.2 s`` (a real provider's latency, not CPU per request, decides bulk
  throughput). Each level sends for about BENCH_LATENCY_SECONDS (20) seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import urllib3

from bench.support import ROOT, percentile, setup_django, start_fake_provider, stop

INGEST_ROWS = int(os.environ.get("BENCH_INGEST_ROWS", "1000000"))
DISPATCH_ROWS = int(os.environ.get("BENCH_DISPATCH_ROWS", "10000"))
DISPATCH_ROUNDS = int(os.environ.get("BENCH_DISPATCH_ROUNDS", "3"))
DNCR_ROWS = int(os.environ.get("BENCH_DNCR_ROWS", "1000000"))
MONITOR_ROWS = int(os.environ.get("BENCH_MONITOR_ROWS", "10000000"))
LATENCY = 0.2
LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "20"))
TEXT = "Your appointment is confirmed for tomorrow at 10:30. Reply STOP to opt out."


def fresh_world(port: int):  # noqa: ANN201
    from django.db import connection

    from accounts.models import SecurityGroup, User
    from campaigns.models import Campaign
    from dialer.models import Dialer
    from providers.models import Provider
    from providers.services import save_provider

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE sms_spool, dialer_spoolcount, dialer_dncrentry, "
            "dialer_spoolupload, dialer_dialer CASCADE"
        )
    Campaign.objects.all().delete()
    Provider.objects.all().delete()
    group, _ = SecurityGroup.objects.get_or_create(name="bench")
    User.objects.get_or_create(username="bench-admin", defaults={"role": "admin"})
    provider = save_provider(
        provider=None,
        values={
            "name": "bench",
            "api_type": "URLPOSTSMS",
            "endpoint": f"http://127.0.0.1:{port}/send",
            "settings": {
                "body_template": '{"to": "{destination}", "text": "{message}"}',
                "content_type": "json",
            },
        },
        secrets={},
    )
    campaign = Campaign.objects.create(name="benchcamp", security_group=group, provider=provider)
    dialer = Dialer.objects.create(
        name="bench", campaign=campaign, provider=provider, running=True, check_dncr=True
    )
    return campaign, dialer


def bench_ingest(port: int) -> None:
    from django.db import connection

    campaign, _ = fresh_world(port)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "bench_ingest.csv"
        copy_file = Path(tmp) / "copy.tsv"
        with csv.open("w") as out, copy_file.open("w") as raw:
            for i in range(INGEST_ROWS):
                out.write(f"benchcamp;0990{i:06d};{TEXT} {i};{i % 10};ID{i};x\n")
                raw.write(
                    f"{campaign.pk}\t0990{i:06d}\t{TEXT} {i}\t{i % 10}\t{i + 1}\tID{i}\tx\t1"
                    "\t\t0\t\t\tf\tunknown\t2026-01-01\t2026-01-01\n"
                )
        # Plain COPY of the same rows into the same table.
        columns = (
            "campaign_id, destination, message, priority, position, idm, data, state, "
            "provider_message_id, attempts, error, claim, fate_unknown, delivery_status, "
            "created_at, updated_at"
        )
        started = time.perf_counter()
        sql = f"COPY sms_spool ({columns}) FROM STDIN"
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(sql) as copy,
            copy_file.open("rb") as source,
        ):
            while block := source.read(1 << 20):
                copy.write(block)
        copy_seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE sms_spool")
        result = subprocess.run(
            [sys.executable, "-m", "bench.ingest_child", str(csv)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        child = json.loads(result.stdout.strip().splitlines()[-1])
    assert child["state"] == "done" and child["rows"] == INGEST_ROWS, child
    print(
        f"ingest {INGEST_ROWS:,} rows: upload path {child['seconds']:.1f} s, plain COPY "
        f"{copy_seconds:.1f} s -> {child['seconds'] / copy_seconds:.2f}x COPY (target <= 2x); "
        f"importer peak memory {child['peak_mb']:.0f} MB (target < 200 MB)"
    )


def spool_rows(campaign, count: int) -> None:  # noqa: ANN001
    from django.db import connection

    from dialer.counters import adjust, reserve_positions

    first = reserve_positions(count)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sms_spool (campaign_id, destination, message, priority, position, idm, "
            "data, state, provider_message_id, attempts, error, claim, fate_unknown, "
            "delivery_status, created_at, updated_at) "
            "SELECT %s, '+5989' || lpad(g::text, 7, '0'), %s, 0, %s + g, '', '', 1, '', 0, '', "
            "'', false, 'unknown', now(), now() FROM generate_series(0, %s - 1) AS g",
            [campaign.pk, TEXT, first, count],
        )
    adjust({(campaign.pk, 1): count})


def dispatch_rate(dialer, count: int) -> float:  # noqa: ANN001
    """One worker's sending loop (the task's own ``send_for``) until the spool is empty."""
    from dialer.sending import send_for

    started = time.perf_counter()
    while send_for(dialer.pk, 60):
        pass
    return count / (time.perf_counter() - started)


def plain_loop_rate(port: int, count: int) -> float:
    pool = urllib3.PoolManager(retries=False)
    timeout = urllib3.Timeout(connect=5, read=15)
    url = f"http://127.0.0.1:{port}/send"
    headers = {"Content-Type": "application/json"}
    started = time.perf_counter()
    for i in range(count):
        body = json.dumps({"to": f"+5989{i:07d}", "text": TEXT}).encode()
        response = pool.request("POST", url, body=body, headers=headers, timeout=timeout)
        response.json()["id"]
    return count / (time.perf_counter() - started)


def dispatch_rounds(port: int, campaign, dialer) -> tuple[float, float, list[str]]:  # noqa: ANN001
    """Alternate the plain loop and the sending loop, DISPATCH_ROUNDS times each, so a change in
    the machine's speed during the run (a shared host) weighs on both alike. Returns both rates
    over all rounds and a line per round."""
    plain_seconds = dispatch_seconds = 0.0
    rounds = []
    for number in range(1, DISPATCH_ROUNDS + 1):
        plain = plain_loop_rate(port, DISPATCH_ROWS)
        spool_rows(campaign, DISPATCH_ROWS)
        dispatch = dispatch_rate(dialer, DISPATCH_ROWS)
        plain_seconds += DISPATCH_ROWS / plain
        dispatch_seconds += DISPATCH_ROWS / dispatch
        rounds.append(
            f"round {number}: {dispatch:.0f} vs {plain:.0f} msg/s = {dispatch / plain:.1%}"
        )
    total = DISPATCH_ROWS * DISPATCH_ROUNDS
    return total / plain_seconds, total / dispatch_seconds, rounds


def bench_dispatch(port: int) -> None:
    campaign, dialer = fresh_world(port)
    plain, without, rounds = dispatch_rounds(port, campaign, dialer)
    print(
        f"dispatch {DISPATCH_ROUNDS} x {DISPATCH_ROWS:,} rows, one worker: {without:.0f} msg/s vs "
        f"plain urllib3 loop {plain:.0f} msg/s -> {without / plain:.1%} (target >= 60%) "
        f"[{'; '.join(rounds)}]"
    )
    bench_dncr(campaign, dialer)


def dncr_rounds(campaign, dialer) -> tuple[float, float, list[str]]:  # noqa: ANN001
    """Alternate the sending loop without and with the DNCR check (the dialer's ``check_dncr``;
    the DNCR entries stay in their table), DISPATCH_ROUNDS times each, as the plain-loop
    comparison does, so a change in the machine's speed during the run weighs on both alike.
    Returns both rates over all rounds and a line per round."""
    seconds = {False: 0.0, True: 0.0}
    rounds = []
    for number in range(1, DISPATCH_ROUNDS + 1):
        rates = {}
        for check in (False, True) if number % 2 else (True, False):
            dialer.check_dncr = check
            dialer.save(update_fields=["check_dncr"])
            spool_rows(campaign, DISPATCH_ROWS)
            rates[check] = dispatch_rate(dialer, DISPATCH_ROWS)
            seconds[check] += DISPATCH_ROWS / rates[check]
        rounds.append(
            f"round {number}: {rates[True]:.0f} with vs {rates[False]:.0f} without = "
            f"{1 - rates[True] / rates[False]:+.1%}"
        )
    total = DISPATCH_ROWS * DISPATCH_ROUNDS
    return total / seconds[False], total / seconds[True], rounds


def bench_dncr(campaign, dialer) -> None:  # noqa: ANN001
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dialer_dncrentry (number, campaign_id, created_at) "
            "SELECT '+5982' || lpad(g::text, 7, '0'), NULL, now() FROM generate_series(1, %s) g",
            [DNCR_ROWS],
        )
        cursor.execute("ANALYZE dialer_dncrentry")
    without, with_dncr, rounds = dncr_rounds(campaign, dialer)
    dialer.check_dncr = True
    dialer.save(update_fields=["check_dncr"])
    print(
        f"dispatch with {DNCR_ROWS:,} DNCR entries, {DISPATCH_ROUNDS} x {DISPATCH_ROWS:,} rows "
        f"each way, alternated: {with_dncr:.0f} msg/s vs {without:.0f} without -> "
        f"{1 - with_dncr / without:+.1%} slower (target <= 10%) [{'; '.join(rounds)}]"
    )


def bench_latency() -> None:
    from django.test import override_settings

    process, port = start_fake_provider(delay=LATENCY)
    try:
        campaign, dialer = fresh_world(port)
        for concurrency in (8, 32):
            ideal = concurrency / LATENCY
            rows = int(ideal * LATENCY_SECONDS)
            spool_rows(campaign, rows)
            with override_settings(DIALER_SEND_CONCURRENCY=concurrency):
                rate = dispatch_rate(dialer, rows)
            print(
                f"latency {LATENCY * 1000:.0f} ms, concurrency {concurrency}, {rows:,} rows, one "
                f"worker: {rate:.1f} msg/s of {ideal:.0f} possible -> {rate / ideal:.1%} "
                "(target >= 90%)"
            )
    finally:
        stop(process)


def bench_monitor(port: int) -> None:
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from dialer.selectors import monitor_status

    campaign, _ = fresh_world(port)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sms_spool (campaign_id, destination, message, priority, position, idm, "
            "data, state, provider_message_id, attempts, error, claim, fate_unknown, "
            "delivery_status, created_at, updated_at) "
            "SELECT %s, '+5989' || lpad((g %% 10000000)::text, 7, '0'), %s, g %% 10, g, '', '', "
            "(ARRAY[1,2,2,2,3,4,5,1,2,2])[g %% 10 + 1], '', 0, '', '', false, 'unknown', now(), "
            "now() FROM generate_series(1, %s) AS g",
            [campaign.pk, TEXT, MONITOR_ROWS],
        )
        cursor.execute(
            "INSERT INTO dialer_spoolcount (campaign_id, state, count) "
            "SELECT campaign_id, state, count(*) FROM sms_spool GROUP BY 1, 2"
        )
        cursor.execute("ANALYZE sms_spool")
    print(f"  ({MONITOR_ROWS:,} spool rows made in {time.perf_counter() - started:.0f} s)")
    admin = User.objects.get(username="bench-admin")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    url = f"/dialers/monitor/{campaign.pk}/status.json"
    for _ in range(20):
        client.get(url)
    calls, http = [], []
    for _ in range(300):
        t = time.perf_counter()
        monitor_status(campaign)
        calls.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assert client.get(url).status_code == 200
        http.append((time.perf_counter() - t) * 1000)
    print(
        f"monitor counters with {MONITOR_ROWS:,} rows: p95 {percentile(calls, 95):.2f} ms "
        f"(service), p95 {percentile(http, 95):.2f} ms (status.json request) (target < 50 ms)"
    )


def main() -> None:
    setup_django()
    process, port = start_fake_provider()
    try:
        which = os.environ.get("BENCH_DIALER", "ingest,dispatch,latency,monitor").split(",")
        if "dispatch" in which:
            bench_dispatch(port)
        if "latency" in which:
            bench_latency()
        if "ingest" in which:
            bench_ingest(port)
        if "monitor" in which:
            bench_monitor(port)
    finally:
        stop(process)


if __name__ == "__main__":
    main()
