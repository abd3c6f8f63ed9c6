"""Monitoring board benchmark (issue 13): 200 agents, 5,000 customers waiting, 20 boards open
on real websockets, 50 events a second for 60 s (12.5 changes a second, each publishing about
four events to every board).

The world (made at each run, untimed): 10 campaigns ``bench-mon-01…10`` (20 member agents
each, maximum 2 interactions per agent, all signed in and full), 5,000 customers waiting (500
per campaign, opened today) and 3,000 interactions closed earlier today (answered in 10–300 s)
for the day's figures. One supervisor of their group.

Measured, against the web server (``bench/monitoring_server.py``: one uvicorn process, or
``BENCH_SERVER_WORKERS``; it counts every database query by the code that asked for it):

- **board render**: ``GET /monitoring/board/`` (the snapshot) of a board of all 10 campaigns
  (every agent and all 5,000 waiting), 20 times as the boards open and once a second during the
  load; and ``GET /monitoring/`` (the page) 20 times. p50 / p95.
- **event → board**: 20 websockets (as 20 boards, each following all 10 campaigns, in a
  process of their own: ``bench/monitoring_boards.py``) while changes are made by 4 processes
  (each its own events publisher), ``BENCH_MON_RATE`` a second (open loop): alternately a customer
  writes (stored and routed: ``interaction.queued``, ``message.new``, ``queue.length``) and an
  agent closes an interaction (``interaction.closed``, then the freed slot takes the head of
  the queue: ``interaction.assigned``, ``agent.state``, ``queue.length``). Latency = when a
  socket got the ``interaction.queued`` / ``interaction.closed`` of a change − when the change's
  service returned (after its commit); p50 / p95 / max over every board. The board applies an
  event in O(1) and draws at the next animation frame (not measured here: no browser).
- **database queries of the monitoring code** (``monitoring/`` and the socket's lookups in
  ``contactcenter/consumers.py``) in the server: per board opened, and per second during the
  load (with the once-a-second timed snapshots counted apart).

Sizes: ``BENCH_MON_SECONDS`` (60), ``BENCH_MON_RATE`` (12.5 changes/s), ``BENCH_MON_BOARDS`` (20),
``BENCH_MON_WAITING`` (5000), ``BENCH_MON_AGENTS`` (200).
Run: ``python -m contactcenter.embedded_redis python -m bench.bench_monitoring``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from bench.support import ROOT, free_port, percentile, setup_django

SECONDS = float(os.environ.get("BENCH_MON_SECONDS", "60"))
# Changes a second; each one publishes about 4 events to a board (see the docstring).
RATE = float(os.environ.get("BENCH_MON_RATE", "12.5"))
BOARDS = int(os.environ.get("BENCH_MON_BOARDS", "20"))
WAITING = int(os.environ.get("BENCH_MON_WAITING", "5000"))
AGENTS = int(os.environ.get("BENCH_MON_AGENTS", "200"))
# 0: no timed snapshot during the change load (to see the sockets alone).
LOAD_SNAPSHOTS = os.environ.get("BENCH_MON_LOAD_SNAPSHOTS", "1") == "1"
CAMPAIGNS = 10
MAX_PER_AGENT = 2
CLOSED_TODAY = 3000


def world():  # noqa: ANN201
    """The campaigns, agents, queue and today's history (see the module docstring)."""
    from django.db import connection

    from accounts.models import SecurityGroup, User
    from accounts.roles import Role
    from agents.models import AgentStatus
    from campaigns.models import Campaign, CampaignMember
    from conversations.assignment import assign_waiting
    from conversations.presence import sign_in
    from providers.models import Provider
    from providers.services import save_provider

    group, _ = SecurityGroup.objects.get_or_create(name="bench-mon")
    supervisor = User.objects.filter(username="bench-mon-sup").first() or User.objects.create_user(
        username="bench-mon-sup", password="bench-mon-pass", role=Role.SUPERVISOR
    )
    supervisor.security_groups.add(group)
    provider = Provider.objects.filter(name="bench-mon").first() or save_provider(
        provider=None,
        values={"name": "bench-mon", "api_type": "URLSMS", "endpoint": "http://127.0.0.1:9/"},
        secrets={},
    )
    campaigns = []
    for i in range(CAMPAIGNS):
        campaign, _ = Campaign.objects.get_or_create(
            name=f"bench-mon-{i + 1:02d}",
            defaults={"security_group": group, "provider": provider, "did": f"61{i:02d}",
                      "max_interactions_per_agent": MAX_PER_AGENT},
        )  # fmt: skip
        campaigns.append(campaign)
    ids = [c.pk for c in campaigns]
    names = [f"bench-mon-agent-{i:04d}" for i in range(AGENTS)]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=n, role=Role.AGENT, password="!", first_name=n[-4:]) for n in names
         if n not in have]
    )  # fmt: skip
    agents = list(User.objects.filter(username__in=names).order_by("username"))
    CampaignMember.objects.bulk_create(
        [CampaignMember(campaign=campaigns[i % CAMPAIGNS], agent=a) for i, a in enumerate(agents)],
        ignore_conflicts=True,
    )
    with connection.cursor() as cursor:
        for table in ("conversations_assignment",):
            cursor.execute(f"DELETE FROM {table} WHERE campaign_id = ANY(%s)", [ids])  # noqa: S608
        cursor.execute(
            "DELETE FROM conversations_message WHERE interaction_id IN (SELECT id FROM "
            "conversations_interaction WHERE campaign_id = ANY(%s))",
            [ids],
        )
        cursor.execute("DELETE FROM conversations_interaction WHERE campaign_id = ANY(%s)", [ids])
    AgentStatus.objects.filter(agent__in=agents).delete()
    for agent in agents:
        sign_in(agent)
    per_campaign = WAITING // CAMPAIGNS + AGENTS // CAMPAIGNS * MAX_PER_AGENT
    with connection.cursor() as cursor:
        for c in campaigns:
            # The waiting customers (the first ones go to the agents below), oldest first.
            cursor.execute(
                "INSERT INTO conversations_interaction (campaign_id, provider_id, number, state, "
                "origin, opened_at, queued_at, last_activity_at, unread, seq, close_reason) "
                "SELECT %s, %s, '+5989' || lpad((%s * 100000 + g)::text, 7, '0'), 'queued', "
                "'customer', now() - (%s - g) * interval '100 milliseconds', "
                "now() - (%s - g) * interval '100 milliseconds', now(), 1, 1, '' "
                "FROM generate_series(1, %s) AS g",
                [c.pk, provider.pk, c.pk % 100, per_campaign, per_campaign, per_campaign],
            )
            # Earlier today: closed, answered after 10-300 s.
            cursor.execute(
                "INSERT INTO conversations_interaction (campaign_id, provider_id, number, state, "
                "origin, opened_at, queued_at, assigned_at, first_reply_at, closed_at, "
                "last_activity_at, unread, seq, close_reason, agent_id) "
                "SELECT %s, %s, '+5988' || lpad((%s * 100000 + g)::text, 7, '0'), 'closed', "
                "'customer', t, t, t, t + (10 + g %% 290) * interval '1 second', "
                "t + interval '20 minutes', t, 0, 3, 'agent', %s FROM generate_series(1, %s) g, "
                "LATERAL (SELECT greatest(date_trunc('day', now()), now() - interval '6 hours') "
                "+ g * interval '3 seconds' AS t) s",
                [c.pk, provider.pk, c.pk % 100, agents[0].pk, CLOSED_TODAY // CAMPAIGNS],
            )
        cursor.execute("ANALYZE conversations_interaction")
    for c in campaigns:
        assign_waiting(c.pk)
    return supervisor, campaigns, provider


def session_cookie(user) -> str:  # noqa: ANN001
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def start_server(counts_file: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "BENCH_COUNTS_FILE": counts_file, "DB_CONN_MAX_AGE": "60"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.monitoring_server", str(port)], cwd=ROOT, env=env
    )
    deadline = time.monotonic() + 240  # two processes importing every provider SDK, loaded
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)  # noqa: S310
            return process, port
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the server did not start") from None
            time.sleep(0.3)


def counts(path: str) -> dict[str, int]:
    """The server processes' query counts, added up."""
    time.sleep(0.6)  # each process writes them twice a second
    total = {"monitoring": 0, "consumers": 0, "other": 0}
    for part in Path(path).parent.glob(Path(path).name + ".*"):
        if part.name.endswith(".tmp"):
            continue
        for key, value in json.loads(part.read_text()).items():
            total[key] += value
    return total


def open_boards(port: int, cookie: str, ids: list[int], out: str) -> subprocess.Popen:
    """The boards' process (bench/monitoring_boards.py), once every board is subscribed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.monitoring_boards", str(port), cookie,
         ",".join(map(str, ids)), str(BOARDS), out],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout.readline().strip() == "ready"
    return process


def timed_get(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        answer.read()
        assert answer.status == 200
    return (time.perf_counter() - start) * 1000


PROCESSES = 4  # changes come from several processes, as from web processes and workers


def one_change(i: int, campaigns: list, provider) -> tuple[str, int]:  # noqa: ANN001
    """Change ``i``: a customer writes (even), or an agent closes one (odd)."""
    from conversations.closing import close_interaction
    from conversations.inbound import store_inbound
    from conversations.models import Interaction
    from conversations.routing import route_message
    from providers.adapters.base import InboundSMS

    campaign = campaigns[i % len(campaigns)]
    if i % 2 == 0:
        sms = InboundSMS(
            provider_message_id=f"bench-mon-{time.time_ns()}-{i}",
            sender=f"0997{i:05d}",
            recipient=campaign.did,
            text="Hola",
        )
        (message,) = store_inbound(provider=provider, messages=[sms])
        route_message(message.pk)
        message.refresh_from_db(fields=["interaction"])
        return "interaction.queued", message.interaction_id
    held = random.choice(
        Interaction.objects.filter(campaign=campaign, state="assigned")
        .select_related("agent")
        .order_by("assigned_at")[:20]
    )
    close_interaction(interaction_id=held.pk, by=held.agent)
    return "interaction.closed", held.pk


def changes_slice(k: int, start: float, total: int, rate: float) -> tuple[dict, list]:
    """Process ``k``'s share of the schedule (every PROCESSES-th change), 2 threads."""
    from django.db import close_old_connections

    from campaigns.models import Campaign
    from providers.models import Provider

    campaigns = list(Campaign.objects.filter(name__startswith="bench-mon-").order_by("name"))
    provider = Provider.objects.get(name="bench-mon")
    done: dict[str, tuple[float, float]] = {}  # change: (its service called, returned)
    failed: list[str] = []

    def one(i: int) -> None:
        time.sleep(max(0.0, start + i / rate - time.time()))
        try:
            began = time.time()
            kind, pk = one_change(i, campaigns, provider)
            done[f"{kind} {pk}"] = (began, time.time())
        except Exception as exc:  # noqa: BLE001  (two closers chose the same one: counted)
            failed.append(f"{type(exc).__name__}: {str(exc)[:100]}")
        finally:
            close_old_connections()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, range(k, total, PROCESSES)))
    time.sleep(1)  # the process's publisher hands over its last events
    return done, failed


def changes(seconds: float, rate: float) -> tuple[dict, int, float]:
    """Customers write and agents close, alternately, ``rate`` a second (open loop), from
    PROCESSES processes (each with its own events publisher, as web processes and workers)."""
    from django.db import connections

    total = int(seconds * rate)
    start = time.time() + 1.0
    connections.close_all()  # not shared with the children: nor the pool's idle connections
    for alias in connections:
        if hasattr(connections[alias], "close_pool"):
            connections[alias].close_pool()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
        parts = list(pool.map(changes_slice, range(PROCESSES), [start] * PROCESSES,
                              [total] * PROCESSES, [rate] * PROCESSES))  # fmt: skip
    elapsed = time.time() - start
    done = {}
    failed = []
    for part_done, part_failed in parts:
        for key, at in part_done.items():
            kind, pk = key.split(" ")
            done[(kind, int(pk))] = at
        failed += part_failed
    if failed:
        print(f"{len(failed)} changes refused: {sorted(set(failed))}", flush=True)
    return done, total, elapsed


def main() -> None:
    setup_django()
    if os.environ.get("BENCH_MON_PUBSUB") == "1":  # the publishers on Redis pub/sub too
        from django.conf import settings

        settings.CHANNEL_LAYERS["default"]["BACKEND"] = (
            "channels_redis.pubsub.RedisPubSubChannelLayer"
        )
        print("channel layer: Redis pub/sub", flush=True)
    print(f"load average before: {os.getloadavg()}", flush=True)
    began = time.monotonic()
    supervisor, campaigns, provider = world()
    print(f"world made in {time.monotonic() - began:.1f} s", flush=True)
    ids = [c.pk for c in campaigns]
    cookie = session_cookie(supervisor)
    counts_file = tempfile.mktemp(prefix="bench-mon-counts-", suffix=".json")
    server, port = start_server(counts_file)
    try:
        query = "&".join(f"campaign={i}" for i in ids)
        snapshot_url = f"http://127.0.0.1:{port}/monitoring/board/?{query}"
        page_url = f"http://127.0.0.1:{port}/monitoring/?{query}"
        timed_get(snapshot_url, cookie)  # warm-up
        body = json.loads(
            urllib.request.urlopen(  # noqa: S310
                urllib.request.Request(snapshot_url, headers={"Cookie": cookie})
            ).read()
        )
        waiting = sum(1 for row in body["open"] if row[2] == "queued")  # open_fields: state
        print(f"snapshot: {len(body['agents'])} agents, {waiting} waiting, "
              f"{len(body['open']) - waiting} assigned", flush=True)  # fmt: skip
        before = counts(counts_file)
        renders = [timed_get(snapshot_url, cookie) for _ in range(BOARDS)]
        after_snapshots = counts(counts_file)
        pages = [timed_get(page_url, cookie) for _ in range(BOARDS)]
        after_pages = counts(counts_file)
        seen_file = counts_file + "-seen"
        boards = open_boards(port, cookie, ids, seen_file)
        opened = counts(counts_file)

        during: list[float] = []
        stop = threading.Event()

        def keep_loading() -> None:
            while LOAD_SNAPSHOTS and not stop.wait(1.0):
                during.append(timed_get(snapshot_url, cookie))

        loader = threading.Thread(target=keep_loading, daemon=True)
        loader.start()
        print(f"load average at start of the load: {os.getloadavg()}", flush=True)
        done, total, elapsed = changes(SECONDS, RATE)
        stop.set()
        loader.join()
        time.sleep(3)  # the last events reach the boards
        after = counts(counts_file)
        load_avg = os.getloadavg()
        boards.stdin.write("stop\n")
        boards.stdin.close()
        boards.wait(timeout=30)
        saw = json.loads(Path(seen_file).read_text())
        # From the change's start (its service called: an upper bound, the service's own
        # work included) and from its return (events published on commit often arrive
        # before the service has returned: counted 0).
        latencies, after_return = [], []
        for seen in saw["seen"]:
            for (kind, pk), (began, returned) in done.items():
                if (at := seen.get(f"{kind} {pk}")) is not None:
                    latencies.append((at - began) * 1000)
                    after_return.append(max(0.0, at - returned) * 1000)
        missing = sum(
            1 for seen in saw["seen"] for (kind, pk) in done if f"{kind} {pk}" not in seen
        )
    finally:
        server.terminate()
        server.wait(timeout=15)

    mon = lambda c: c["monitoring"] + c["consumers"]  # noqa: E731
    all_renders = renders + during
    print()
    received = sum(saw["messages"]) / BOARDS
    print(f"changes: {total} in {elapsed:.1f} s = {total / elapsed:.1f}/s (asked {RATE}/s); "
          f"events received per board: {received:.0f} = {received / elapsed:.1f}/s")  # fmt: skip
    print(f"board render (snapshot, {len(all_renders)}): "
          f"p50 {percentile(all_renders, 50):.1f} ms, "
          f"p95 {percentile(all_renders, 95):.1f} ms (quiet {len(renders)}: p95 "
          f"{percentile(renders, 95):.1f}; under load {len(during)}: p95 "
          f"{percentile(during or [0.0], 95):.1f}); page: p50 {percentile(pages, 50):.1f} ms, "
          f"p95 {percentile(pages, 95):.1f} ms")  # fmt: skip
    print(f"event -> board ({len(latencies)} deliveries to {BOARDS} boards, {missing} "
          f"missing), from the change's start: p50 {percentile(latencies, 50):.1f} ms, p95 "
          f"{percentile(latencies, 95):.1f} ms, max {max(latencies):.1f} ms; from its service's "
          f"return: p50 {percentile(after_return, 50):.1f} ms, p95 "
          f"{percentile(after_return, 95):.1f} ms")  # fmt: skip
    per_snapshot = (mon(after_snapshots) - mon(before)) / BOARDS
    per_page = (mon(after_pages) - mon(after_snapshots)) / BOARDS
    per_socket = (mon(opened) - mon(after_pages)) / BOARDS
    load_queries = mon(after) - mon(opened)
    print(f"monitoring queries per board opened: snapshot {per_snapshot:.1f}, page "
          f"{per_page:.1f}, socket with 10 subscriptions {per_socket:.1f}; "
          f"during the load {load_queries} in {elapsed:.0f} s = "
          f"{load_queries / elapsed:.1f}/s, of which the {len(during)} timed snapshots "
          f"≈ {len(during) * per_snapshot:.0f}; other queries in the server during the load: "
          f"{after['other'] - opened['other']}")  # fmt: skip
    print(f"load average after: {load_avg}")


if __name__ == "__main__":
    main()
