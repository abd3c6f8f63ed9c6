"""Interactions benchmarks on PostgreSQL (issue 11), each beside its baseline, same run.

- ingest: inbound webhooks through the real URL (``/providers/webhooks/<token>/inbound``, a URL
  provider: stored as a pending Message, routing woken) vs a trivial view
  (``/bench/ok``, mounted with BENCH_ENDPOINTS) on the same uvicorn server (BENCH_SERVER_WORKERS
  processes, 2 as docker-compose.yml runs it; DB_CONN_MAX_AGE=0 there unless
  BENCH_SERVER_CONN_MAX_AGE says otherwise: under ASGI every request runs in a thread of its own,
  and a persistent connection per thread leaks one PostgreSQL connection per request until
  garbage collection; DB_POOL=1 takes them from psycopg's pool, as compose does). Throughput:
  BENCH_INGEST_CONCURRENCY (8) keep-alive connections as fast as answered, BENCH_INGEST_SECONDS
  (10) per round, the two alternating over BENCH_INGEST_ROUNDS (3) rounds: at least 50 %. Then an
  open loop at BENCH_INGEST_RATE (200) requests/s for BENCH_INGEST_LOAD_SECONDS (60) s: p99 under
  100 ms, zero lost (every webhook answered 200, its Message stored ``pending``, a drain task in
  the broker's ``routing`` queue: webhooks wake one drainer through a Redis flag, not a task
  each). No Celery worker runs: the tasks wait in Redis (counted, then dropped).
- routing: BENCH_ROUTING_INTERACTIONS (10,000) queued interactions, BENCH_ROUTING_AGENTS (200)
  present agents, maximum 5. 200 x 5 = 1,000 slots, so the queue is assigned in waves: the
  real ``assign_waiting`` fills every slot (1,000 assignments), the wave's interactions are then
  closed in bulk (untimed), and the next wave is assigned, until the queue is empty. Timed: the
  ``assign_waiting`` calls (with their after-commit event publishing). Baseline: a plain loop of
  as many single-row ``UPDATE``s of the same table, each its own transaction (autocommit, as a
  loop of ``.save()`` calls would run); the loop inside one transaction is printed too. The two
  alternate over BENCH_ROUTING_ROUNDS (2) rounds: at most 2x.
- reads: ``manage.py seed_history`` history of BENCH_HISTORY_MESSAGES (10,000,000) messages over
  BENCH_HISTORY_INTERACTIONS (messages / 10) interactions and 500 agents (made once, reused by
  the next run when the sizes match): an agent's interaction list (first page of 25, open ones
  first then by last activity) and an interaction's latest 50 messages, BENCH_READS (1,000)
  times each on random agents / interactions: p95 under 20 ms, at most 5 queries each.

Pick parts with ``BENCH_INTERACTIONS=ingest,routing,reads``.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid

from bench import http_load
from bench.support import ROOT, free_port, percentile, setup_django

# uvicorn processes serving both the webhooks and the baseline (docker-compose.yml runs 2).
SERVER_WORKERS = int(os.environ.get("BENCH_SERVER_WORKERS", "2"))
INGEST_CONCURRENCY = int(os.environ.get("BENCH_INGEST_CONCURRENCY", "8"))
INGEST_SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "10"))
INGEST_ROUNDS = int(os.environ.get("BENCH_INGEST_ROUNDS", "3"))
INGEST_RATE = float(os.environ.get("BENCH_INGEST_RATE", "200"))
INGEST_LOAD_SECONDS = float(os.environ.get("BENCH_INGEST_LOAD_SECONDS", "60"))
ROUTING_INTERACTIONS = int(os.environ.get("BENCH_ROUTING_INTERACTIONS", "10000"))
ROUTING_AGENTS = int(os.environ.get("BENCH_ROUTING_AGENTS", "200"))
ROUTING_MAX = 5
ROUTING_ROUNDS = int(os.environ.get("BENCH_ROUTING_ROUNDS", "2"))
HISTORY_MESSAGES = int(os.environ.get("BENCH_HISTORY_MESSAGES", "10000000"))
HISTORY_INTERACTIONS = int(
    os.environ.get("BENCH_HISTORY_INTERACTIONS", str(max(1, HISTORY_MESSAGES // 10)))
)
HISTORY_AGENTS = 500
READS = int(os.environ.get("BENCH_READS", "1000"))
TEXT = "Hello, I would like to know the status of my order number 12345, thanks"


def spread(values: list[float]) -> str:
    return f"min {min(values):.1%}, max {max(values):.1%}" if values else "-"


# ------------------------------------------------------------------------------------ ingest
def ingest_world():  # noqa: ANN201
    from accounts.models import SecurityGroup
    from campaigns.models import Campaign
    from providers.models import Provider
    from providers.services import save_provider

    group, _ = SecurityGroup.objects.get_or_create(name="bench")
    provider = Provider.objects.filter(name="bench-inbound").first() or save_provider(
        provider=None,
        values={"name": "bench-inbound", "api_type": "URLSMS", "endpoint": "http://127.0.0.1:9/"},
        secrets={},
    )
    Campaign.objects.get_or_create(
        name="bench-inbound",
        defaults={"security_group": group, "provider": provider, "did": "5000"},
    )
    return provider


def start_server() -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        **os.environ,
        "BENCH_ENDPOINTS": "1",
        "DB_CONN_MAX_AGE": os.environ.get("BENCH_SERVER_CONN_MAX_AGE", "0"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "contactcenter.asgi:application", "--host",
         "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
         "--timeout-keep-alive", "75",
         "--workers", str(SERVER_WORKERS)],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    raw = http_load.request_bytes("/bench/ok", b"", "text/plain")
    while True:
        result = http_load.closed_loop(port, lambda i: raw, concurrency=1, seconds=0.01)
        if result.ok:
            return process, port
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.2)


def routing_queue_length() -> int:
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL).llen("routing")


def drop_routing_queue() -> None:
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL).delete("routing")


def bench_ingest() -> None:
    from conversations.models import Message

    provider = ingest_world()
    run = uuid.uuid4().hex[:8]
    hook = f"/providers/webhooks/{provider.webhook_token}/inbound"
    form = "application/x-www-form-urlencoded"

    def webhook(i: int, kind: str) -> bytes:
        body = urllib.parse.urlencode(
            {
                "id": f"{run}-{kind}-{i}",
                "from": f"+5989{i % 10_000_000:07d}",
                "to": "5000",
                "text": TEXT,
            }  # fmt: skip
        ).encode()
        return http_load.request_bytes(hook, body, form)

    def trivial(i: int) -> bytes:
        body = urllib.parse.urlencode(
            {"id": f"{run}-t-{i}", "from": f"+5989{i:07d}", "to": "5000", "text": TEXT}
        ).encode()
        return http_load.request_bytes("/bench/ok", body, form)

    drop_routing_queue()
    process, port = start_server()
    try:
        # Warm both paths before measuring. The first webhook imports every provider adapter
        # and its SDK (the Infobip client builds its pydantic models: seconds on this machine).
        http_load.TIMEOUT = 300
        http_load.closed_loop(port, lambda i: webhook(i, "w"), concurrency=1, seconds=0.01)
        http_load.TIMEOUT = 10
        # Warm both paths (imports, connections) before measuring.
        http_load.closed_loop(port, trivial, concurrency=2, seconds=1)
        http_load.closed_loop(port, lambda i: webhook(i, "w"), concurrency=2, seconds=1)
        ratios, plain_total, hook_total = [], [0, 0.0], [0, 0.0]
        rounds = []
        for number in range(1, INGEST_ROUNDS + 1):
            kind = f"r{number}"
            pair = {}
            order = ("plain", "hook") if number % 2 else ("hook", "plain")
            for which in order:
                if which == "plain":
                    pair[which] = http_load.closed_loop(
                        port, trivial, concurrency=INGEST_CONCURRENCY, seconds=INGEST_SECONDS
                    )
                else:
                    pair[which] = http_load.closed_loop(
                        port,
                        lambda i, kind=kind: webhook(i, kind),
                        concurrency=INGEST_CONCURRENCY,
                        seconds=INGEST_SECONDS,
                    )
            plain, hook_result = pair["plain"], pair["hook"]
            assert not plain.errors and not hook_result.errors, (plain.errors, hook_result.errors)
            assert plain.ok == plain.sent and hook_result.ok == hook_result.sent
            plain_rate = plain.ok / plain.seconds
            hook_rate = hook_result.ok / hook_result.seconds
            ratios.append(hook_rate / plain_rate)
            plain_total[0] += plain.ok
            plain_total[1] += plain.seconds
            hook_total[0] += hook_result.ok
            hook_total[1] += hook_result.seconds
            rounds.append(
                f"round {number}: {hook_rate:.0f} vs {plain_rate:.0f}/s = {ratios[-1]:.1%}"
            )
        plain_rate = plain_total[0] / plain_total[1]
        hook_rate = hook_total[0] / hook_total[1]
        print(
            f"webhook ingest, {INGEST_CONCURRENCY} connections, {INGEST_ROUNDS} x "
            f"{INGEST_SECONDS:.0f} s each way, alternated: {hook_rate:.0f} webhooks/s vs trivial "
            f"view {plain_rate:.0f}/s -> {hook_rate / plain_rate:.1%} (target >= 50%; rounds "
            f"{spread(ratios)}) [{'; '.join(rounds)}]"
        )
        queued_before = routing_queue_length()
        stored_before = Message.objects.filter(provider=provider).count()
        load = http_load.open_loop(
            port,
            lambda i: webhook(i, "load"),
            rate=INGEST_RATE,
            seconds=INGEST_LOAD_SECONDS,
            max_connections=50,
        )
        time.sleep(1)  # after-commit publishes of the last answers
        stored = Message.objects.filter(
            provider=provider, provider_message_id__startswith=f"{run}-load-"
        ).count()
        queued = routing_queue_length() - queued_before
        pending = Message.objects.filter(
            provider=provider, provider_message_id__startswith=f"{run}-load-", routing="pending"
        ).count()
        lat = load.latencies_ms
        lost = load.sent - stored
        print(
            f"webhook ingest open loop {INGEST_RATE:.0f}/s for {INGEST_LOAD_SECONDS:.0f} s: "
            f"{load.sent:,} sent, {load.ok:,} answered 200, {len(load.errors)} errors, "
            f"{stored:,} stored ({pending:,} pending routing), {queued:,} drain tasks queued "
            f"-> {lost} not stored (target 0 "
            f"lost; {load.sent - load.answered - len(load.errors)} never answered: still waiting "
            "when the client stopped, 30 s after the last was due); "
            f"latency p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms, "
            f"max {max(lat):.1f} ms (target p99 < 100 ms); achieved "
            f"{load.answered / load.seconds:.0f}/s"
        )
        if load.errors:
            print(f"  first errors: {load.errors[:3]}")
        assert Message.objects.filter(provider=provider).count() >= stored_before + stored
    finally:
        process.terminate()
        process.wait(timeout=20)
        drop_routing_queue()
        Message.objects.filter(provider=provider).delete()


# ----------------------------------------------------------------------------------- routing
def routing_world():  # noqa: ANN201
    from django.db import connection

    from accounts.models import SecurityGroup, User
    from accounts.roles import Role
    from campaigns.models import Campaign, CampaignMember
    from conversations.presence import sign_in
    from providers.models import Provider
    from providers.services import save_provider

    group, _ = SecurityGroup.objects.get_or_create(name="bench")
    provider = Provider.objects.filter(name="bench-routing").first() or save_provider(
        provider=None,
        values={"name": "bench-routing", "api_type": "URLSMS", "endpoint": "http://127.0.0.1:9/"},
        secrets={},
    )
    campaign, _ = Campaign.objects.get_or_create(
        name="bench-routing",
        defaults={
            "security_group": group,
            "provider": provider,
            "did": "5001",
            "max_interactions_per_agent": ROUTING_MAX,
        },  # fmt: skip
    )
    names = [f"bench-agent-{i:04d}" for i in range(ROUTING_AGENTS)]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=n, role=Role.AGENT, password="!") for n in names if n not in have]
    )
    agents = list(User.objects.filter(username__in=names).order_by("username"))
    CampaignMember.objects.bulk_create(
        [CampaignMember(campaign=campaign, agent=a) for a in agents], ignore_conflicts=True
    )
    for agent in agents:
        sign_in(agent)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM conversations_interaction WHERE campaign_id = %s", [campaign.pk]
        )
        cursor.execute(
            "INSERT INTO conversations_interaction (campaign_id, provider_id, number, state, "
            "origin, opened_at, queued_at, last_activity_at, out_of_time_until, unread, seq, "
            "close_reason) SELECT %s, %s, '+5987' || lpad(g::text, 7, '0'), 'queued', "
            "'customer', now(), now() + g * interval '1 millisecond', now(), NULL, 1, 1, '' "
            "FROM generate_series(1, %s) AS g",
            [campaign.pk, provider.pk, ROUTING_INTERACTIONS],
        )
        cursor.execute("ANALYZE conversations_interaction")
    ids = list(campaign.interactions.order_by("pk").values_list("pk", flat=True))
    return campaign, [a.pk for a in agents], ids


def requeue(campaign) -> None:  # noqa: ANN001
    """Every interaction of the campaign waiting again, no assignment history (untimed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM conversations_assignment WHERE campaign_id = %s", [campaign.pk])
        cursor.execute(
            "UPDATE conversations_interaction SET state = 'queued', agent_id = NULL, "
            "assigned_at = NULL, closed_at = NULL, close_reason = '' WHERE campaign_id = %s",
            [campaign.pk],
        )


def close_assigned(campaign) -> None:  # noqa: ANN001
    """Free every slot at once (untimed): the wave's interactions closed, assignments ended."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE conversations_assignment SET released_at = now(), release_reason = 'closed' "
            "WHERE campaign_id = %s AND released_at IS NULL",
            [campaign.pk],
        )
        cursor.execute(
            "UPDATE conversations_interaction SET state = 'closed', closed_at = now(), "
            "close_reason = 'agent' WHERE campaign_id = %s AND state = 'assigned'",
            [campaign.pk],
        )


def routing_seconds(campaign) -> tuple[float, int, int]:  # noqa: ANN001
    """Assign the whole queue in waves; (seconds in assign_waiting, assigned, waves)."""
    from conversations.assignment import assign_waiting

    requeue(campaign)
    spent, assigned, waves = 0.0, 0, 0
    while True:
        started = time.perf_counter()
        done = assign_waiting(campaign.pk)
        spent += time.perf_counter() - started
        if not done:
            return spent, assigned, waves
        assigned += len(done)
        waves += 1
        close_assigned(campaign)


def plain_updates_seconds(campaign, ids: list[int], agents: list[int]) -> tuple[float, float]:  # noqa: ANN001
    """The same number of single-row UPDATEs of the same table: autocommit, then in one
    transaction. Seconds of each."""
    from django.db import connection, transaction

    requeue(campaign)
    sql = (
        "UPDATE conversations_interaction SET state = 'assigned', agent_id = %s, "
        "assigned_at = now() WHERE id = %s"
    )
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for n, pk in enumerate(ids):
            cursor.execute(sql, [agents[n % len(agents)], pk])
        autocommit = time.perf_counter() - started
    requeue(campaign)
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        for n, pk in enumerate(ids):
            cursor.execute(sql, [agents[n % len(agents)], pk])
        one = time.perf_counter() - started
    return autocommit, one


def bench_routing() -> None:
    campaign, agents, ids = routing_world()
    routing_total = plain_total = one_total = 0.0
    rounds, ratios = [], []
    for number in range(1, ROUTING_ROUNDS + 1):
        order = ("plain", "routing") if number % 2 else ("routing", "plain")
        for which in order:
            if which == "plain":
                plain, one = plain_updates_seconds(campaign, ids, agents)
            else:
                seconds, assigned, waves = routing_seconds(campaign)
                assert assigned == len(ids), (assigned, len(ids))
        routing_total += seconds
        plain_total += plain
        one_total += one
        ratios.append(seconds / plain)
        rounds.append(
            f"round {number}: {seconds:.2f} s in {waves} waves vs {plain:.2f} s autocommit "
            f"({one:.2f} s in one transaction) = {ratios[-1]:.2f}x"
        )
    print(
        f"routing {len(ids):,} queued interactions to {len(agents)} present agents (max "
        f"{ROUTING_MAX}, waves of {len(agents) * ROUTING_MAX:,}), {ROUTING_ROUNDS} rounds "
        f"alternated: {routing_total / ROUTING_ROUNDS:.2f} s vs plain loop of {len(ids):,} "
        f"single-row UPDATEs {plain_total / ROUTING_ROUNDS:.2f} s (autocommit) -> "
        f"{routing_total / plain_total:.2f}x (target <= 2x; rounds "
        f"{min(ratios):.2f}x-{max(ratios):.2f}x); vs the loop in one transaction "
        f"{one_total / ROUTING_ROUNDS:.2f} s -> {routing_total / one_total:.2f}x "
        f"[{'; '.join(rounds)}]"
    )
    from conversations.models import Interaction

    Interaction.objects.filter(campaign=campaign).delete()


# ------------------------------------------------------------------------------------- reads
def agent_list(agent_id: int) -> list:
    """An agent's interaction list, first page: open ones first, then by last activity."""
    from conversations.models import Interaction

    return list(
        Interaction.objects.filter(agent_id=agent_id).order_by("state", "-last_activity_at", "-id")[
            :25
        ]
    )


def latest_messages(interaction_id: int) -> list:
    from conversations.models import Message

    return list(Message.objects.filter(interaction_id=interaction_id).order_by("-id")[:50])


def ensure_history() -> None:
    from django.core.management import call_command
    from django.db import connection

    from conversations.models import Message

    have = Message.objects.filter(provider__name__startswith="History SMS").count()
    if have == HISTORY_MESSAGES:
        print(f"  (reusing the {have:,} messages of history in the database)")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE conversations_message, conversations_assignment, "
            "conversations_interaction CASCADE"
        )
    started = time.perf_counter()
    call_command(
        "seed_history",
        messages=HISTORY_MESSAGES,
        interactions=HISTORY_INTERACTIONS,
        agents=HISTORY_AGENTS,
    )
    print(f"  (seed_history: {time.perf_counter() - started:.0f} s)")


def timed(call, arg) -> tuple[float, int]:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        call(arg)
        ms = (time.perf_counter() - started) * 1000
    return ms, len(queries.captured_queries)


def bench_reads() -> None:
    from accounts.models import User
    from conversations.models import Interaction

    ensure_history()
    rnd = random.Random(7)
    agents = list(
        User.objects.filter(username__startswith="hist-agent-").values_list("pk", flat=True)
    )
    bounds = Interaction.objects.filter(provider__name__startswith="History SMS").order_by("pk")
    low, high = bounds.first().pk, bounds.last().pk
    for _ in range(50):  # warm-up
        agent_list(rnd.choice(agents))
        latest_messages(rnd.randint(low, high))
    lists, messages, list_queries, message_queries = [], [], set(), set()
    for _ in range(READS):  # alternated: both see the same state of the machine
        ms, n = timed(agent_list, rnd.choice(agents))
        lists.append(ms)
        list_queries.add(n)
        ms, n = timed(latest_messages, rnd.randint(low, high))
        messages.append(ms)
        message_queries.add(n)
    print(
        f"reads at {HISTORY_MESSAGES:,} messages / {HISTORY_INTERACTIONS:,} interactions / "
        f"{len(agents)} agents, {READS} each on random agents / interactions: agent's list "
        f"(25) p50 {statistics.median(lists):.2f} ms, p95 {percentile(lists, 95):.2f} ms, "
        f"{max(list_queries)} query; latest 50 messages p50 {statistics.median(messages):.2f} "
        f"ms, p95 {percentile(messages, 95):.2f} ms, {max(message_queries)} query "
        "(target p95 < 20 ms, <= 5 queries each)"
    )


def main() -> None:
    setup_django()
    which = os.environ.get("BENCH_INTERACTIONS", "ingest,routing,reads").split(",")
    if "ingest" in which:
        bench_ingest()
    if "routing" in which:
        bench_routing()
    if "reads" in which:
        bench_reads()


if __name__ == "__main__":
    main()
