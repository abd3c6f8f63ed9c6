"""Inbox benchmarks on PostgreSQL (issue 12).

- live: webhook → websocket event at a connected agent. A real uvicorn server
  (BENCH_SERVER_WORKERS processes, 2 as compose runs it, DB_POOL=1), a real Celery worker on the
  ``routing`` queue (BENCH_ROUTING_CONCURRENCY, 4 as compose runs it) and the embedded Redis
  (channel layer and broker). BENCH_INBOX_AGENTS (50) agents connected to ``/ws/events/`` (their
  presence, as the inbox page keeps it), members of one campaign of a URL provider. Warm-up:
  BENCH_INBOX_CUSTOMERS (200) customers write once and their interactions are assigned (untimed).
  Then an open loop of inbound webhooks at BENCH_INBOX_RATE (50) per second for
  BENCH_INBOX_SECONDS (60) s, each from one of those customers, each text carrying its send
  time: latency = the instant the holder's socket receives its ``message.new`` minus the instant
  the webhook was sent. Target p95 < 300 ms, zero lost (every webhook answered, every message
  received exactly once by the one agent who holds the customer).
- open: an interaction with BENCH_INBOX_HISTORY (1,000) messages; what the inbox asks when it is
  opened (``GET …/messages/?latest=true``: the newest 50) timed inside the server (Django's
  test client, no network), BENCH_INBOX_OPENS (200) times: target p95 < 50 ms.

Pick parts with ``BENCH_INBOX=live,open``. Run:
``python -m contactcenter.embedded_redis python -m bench.bench_inbox``.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

from bench import http_load
from bench.support import ROOT, free_port, percentile, setup_django

SERVER_WORKERS = int(os.environ.get("BENCH_SERVER_WORKERS", "2"))
ROUTING_CONCURRENCY = os.environ.get("BENCH_ROUTING_CONCURRENCY", "4")
AGENTS = int(os.environ.get("BENCH_INBOX_AGENTS", "50"))
CUSTOMERS = int(os.environ.get("BENCH_INBOX_CUSTOMERS", "200"))
RATE = float(os.environ.get("BENCH_INBOX_RATE", "50"))
SECONDS = float(os.environ.get("BENCH_INBOX_SECONDS", "60"))
HISTORY = int(os.environ.get("BENCH_INBOX_HISTORY", "1000"))
OPENS = int(os.environ.get("BENCH_INBOX_OPENS", "200"))
DID = "6000"


def world(run: str):  # noqa: ANN201
    from accounts.models import SecurityGroup, User
    from campaigns.models import Campaign, CampaignMember
    from providers.models import Provider
    from providers.services import save_provider

    group, _ = SecurityGroup.objects.get_or_create(name="bench")
    provider = Provider.objects.filter(name="bench-inbox").first() or save_provider(
        provider=None,
        values={"name": "bench-inbox", "api_type": "URLSMS", "endpoint": "http://127.0.0.1:9/"},
        secrets={},
    )
    campaign, _ = Campaign.objects.get_or_create(
        name="bench-inbox",
        defaults={"security_group": group, "provider": provider, "did": DID},
    )
    campaign.max_interactions_per_agent = 1000
    campaign.save(update_fields=["max_interactions_per_agent"])
    agents = []
    for i in range(AGENTS):
        agent, _ = User.objects.get_or_create(
            username=f"bench-inbox-{i:03d}", defaults={"role": "agent"}
        )
        agent.security_groups.add(group)
        CampaignMember.objects.get_or_create(campaign=campaign, agent=agent)
        agents.append(agent)
    return provider, campaign, agents


def start_server() -> tuple[subprocess.Popen, int]:
    """uvicorn as compose runs it (keep-alive 75 s, BENCH_SERVER_WORKERS processes); waits up to
    120 s for it to answer (importing every provider SDK takes a while on a busy machine)."""
    port = free_port()
    env = {**os.environ, "BENCH_ENDPOINTS": "1", "DB_CONN_MAX_AGE": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "contactcenter.asgi:application", "--host",
         "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
         "--timeout-keep-alive", "75", "--workers", str(SERVER_WORKERS)],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    raw = http_load.request_bytes("/bench/ok", b"", "text/plain")
    while True:
        if http_load.closed_loop(port, lambda i: raw, concurrency=1, seconds=0.01).ok:
            return process, port
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.5)


def start_worker() -> subprocess.Popen:
    argv = [sys.executable, "-m", "celery", "-A", "contactcenter", "worker", "--loglevel",
            "WARNING", "--concurrency", ROUTING_CONCURRENCY, "--queues", "routing",
            "--hostname", f"bench-inbox-routing-{uuid.uuid4().hex[:6]}@%h",
            "--without-mingle", "--without-gossip"]  # fmt: skip
    return subprocess.Popen(argv, cwd=ROOT, env=dict(os.environ))


def session_cookies(agents: list) -> list[str]:  # noqa: ANN001
    from django.conf import settings
    from django.test import Client

    cookies = []
    for agent in agents:
        browser = Client()
        browser.force_login(agent)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


class Sockets:
    """The agents' sockets in a thread of their own; every ``message.new`` with a bench marker
    is kept with the instant it arrived (wall clock, like the instant written into the text)."""

    def __init__(self, port: int, cookies: list[str], marker: str) -> None:
        self.port, self.cookies, self.marker = port, cookies, marker
        self.received: list[tuple[int, int, float]] = []  # (agent index, message number, latency)
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.connected = 0
        self.thread = threading.Thread(target=lambda: asyncio.run(self.main()), daemon=True)

    async def listen(self, index: int, cookie: str) -> None:
        from websockets.asyncio.client import connect

        url = f"ws://127.0.0.1:{self.port}/ws/events/"
        origin = f"http://127.0.0.1:{self.port}"
        headers = {"Cookie": cookie}
        async with connect(url, additional_headers=headers, origin=origin, max_size=None) as ws:
            self.connected += 1
            while not self.stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                now = time.time()
                event = json.loads(raw)
                if event["kind"] != "message.new":
                    continue
                text = event["payload"]["message"]["text"]
                if not text.startswith(self.marker):
                    continue
                _marker, number, sent = text.split()
                self.received.append((index, int(number), (now - float(sent)) * 1000))

    async def main(self) -> None:
        tasks = [asyncio.create_task(self.listen(i, c)) for i, c in enumerate(self.cookies)]
        while self.connected < len(self.cookies):
            await asyncio.sleep(0.05)
        self.ready.set()
        await asyncio.gather(*tasks)


def webhook(path: str, customer: int, text: str) -> bytes:
    form = urllib.parse.urlencode(
        {"from": f"0994{customer:05d}", "to": DID, "text": text, "id": uuid.uuid4().hex}
    )
    return http_load.request_bytes(path, form.encode(), "application/x-www-form-urlencoded")


def bench_live() -> None:
    from conversations.models import Interaction
    from conversations.states import InteractionState
    from providers.configuration import webhook_url

    run = uuid.uuid4().hex[:6]
    provider, campaign, agents = world(run)
    # A clean campaign: earlier runs' interactions closed.
    Interaction.objects.filter(campaign=campaign).exclude(state=InteractionState.CLOSED).update(
        state=InteractionState.CLOSED, closed_at=None
    )
    path = urllib.parse.urlsplit(webhook_url(provider, "inbound", "http://127.0.0.1")).path
    server, port = start_server()
    worker = start_worker()
    marker = f"bench-{run}"
    sockets = Sockets(port, session_cookies(agents), marker)
    try:
        sockets.thread.start()
        if not sockets.ready.wait(60):
            raise RuntimeError("the agents' sockets did not connect")
        time.sleep(2)  # presence recorded, agents free
        # Warm-up: every customer has an interaction assigned to one agent.
        warm = http_load.open_loop(
            port, lambda i: webhook(path, i, f"hello {run}"), rate=100, seconds=CUSTOMERS / 100
        )
        assert warm.ok == CUSTOMERS, warm.statuses

        def assigned() -> int:
            return Interaction.objects.filter(
                campaign=campaign, state=InteractionState.ASSIGNED
            ).count()

        deadline = time.monotonic() + 600
        while assigned() < CUSTOMERS and time.monotonic() < deadline:
            time.sleep(0.5)
        print(f"warm-up: {assigned()} of {CUSTOMERS} customers assigned to {AGENTS} agents")
        holders = dict(
            Interaction.objects.filter(
                campaign=campaign, state=InteractionState.ASSIGNED
            ).values_list("number", "agent__username")
        )
        before = os.getloadavg()
        load = http_load.open_loop(
            port,
            lambda i: webhook(path, i % CUSTOMERS, f"{marker} {i} {time.time():.6f}"),
            rate=RATE,
            seconds=SECONDS,
        )
        total = int(RATE * SECONDS)
        deadline = time.monotonic() + 30
        while len(sockets.received) < total and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        after = os.getloadavg()
        report(sockets, load, holders, agents, marker, before, after)
    finally:
        sockets.stop.set()
        sockets.thread.join(5)
        for process in (worker, server):
            process.terminate()
        for process in (worker, server):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def report(sockets, load, holders, agents, marker, before, after) -> None:  # noqa: ANN001
    from conversations.models import Message
    from conversations.states import Routing

    total = int(RATE * SECONDS)
    numbers = [n for _agent, n, _ms in sockets.received]
    latencies = [ms for _agent, _n, ms in sockets.received]
    wrong_agent = sum(
        1
        for agent, n, _ms in sockets.received
        if holders.get(f"+598994{(n % CUSTOMERS):05d}") != agents[agent].username
    )
    stored = Message.objects.filter(text__startswith=marker, routing=Routing.ROUTED).count()
    print(
        f"live: {AGENTS} agents connected, {RATE:g} webhooks/s for {SECONDS:g} s: "
        f"{load.ok} of {total} answered 200, {stored} routed, {len(set(numbers))} received "
        f"({len(numbers) - len(set(numbers))} twice, {wrong_agent} at an agent not holding it), "
        f"lost {total - len(set(numbers))}; webhook → socket p50 "
        f"{statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 95):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms "
        f"(target p95 < 300 ms, 0 lost); webhook answer p50 "
        f"{statistics.median(load.latencies_ms):.1f} ms; load average before "
        f"{before[0]:.2f}, after {after[0]:.2f}"
    )


def bench_open() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from conversations.models import Interaction, Message
    from conversations.states import Author, Delivery, Direction, InteractionState

    provider, campaign, agents = world("open")
    agent = agents[0]
    number = "+59899777000"
    interaction = Interaction.objects.filter(campaign=campaign, number=number, agent=agent).first()
    if interaction is None or Message.objects.filter(interaction=interaction).count() < HISTORY:
        Interaction.objects.filter(campaign=campaign, number=number).exclude(
            state=InteractionState.CLOSED
        ).update(state=InteractionState.CLOSED)
        interaction = Interaction.objects.create(
            campaign=campaign, provider=provider, number=number, agent=agent,
            state=InteractionState.CLOSED, closed_at=timezone.now(),
        )  # fmt: skip
        now = timezone.now()
        Message.objects.bulk_create(
            Message(
                interaction=interaction,
                direction=Direction.IN if i % 2 else Direction.OUT,
                author=Author.CUSTOMER if i % 2 else Author.AGENT,
                agent=None if i % 2 else agent,
                provider=provider,
                number=number,
                text=f"message {i} " + "lorem ipsum " * 8,
                delivery="" if i % 2 else Delivery.DELIVERED,
                seq=i + 1,
                created_at=now,
            )
            for i in range(HISTORY)
        )
    browser = Client()
    browser.force_login(agent)
    url = f"/api/v1/interactions/{interaction.pk}/messages/?latest=true"
    for _ in range(10):
        assert browser.get(url).status_code == 200
    timings = []
    with CaptureQueriesContext(connection) as queries:
        browser.get(url)
    for _ in range(OPENS):
        started = time.perf_counter()
        response = browser.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and len(response.json()["results"]) == 50
    print(
        f"open: an interaction of {HISTORY:,} messages, newest 50 ({OPENS} times, server time): "
        f"p50 {statistics.median(timings):.2f} ms, p95 {percentile(timings, 95):.2f} ms, "
        f"{len(queries)} queries (target p95 < 50 ms); load average {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    os.environ.setdefault("DB_POOL", "1")
    setup_django()
    which = os.environ.get("BENCH_INBOX", "live,open").split(",")
    if "live" in which:
        bench_live()
    if "open" in which:
        bench_open()


if __name__ == "__main__":
    main()
