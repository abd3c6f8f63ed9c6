"""Reports at 10,000,000 messages / 1,000,000 interactions (``seed_history``).

Run on a copy of the seeded database (never on ``contactcenter_bench`` itself: this adds spool
rows and rollups):
    createdb -T contactcenter_bench cc_reports_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_reports_bench \\
        python -m contactcenter.embedded_redis python -m bench.bench_reports

What is measured (``BENCH_REPORTS`` requests of each, default 200, alternated, random 30-day
windows inside the history's 90 days; server time through Django's test client with an
admin's session: URL resolution, session, filters, queries, JSON or HTML):
- the backfill: ``rebuild()`` of every day from the conversation tables (the migration runs
  it once; timed again here unless ``BENCH_REPORTS_REBUILD=0``);
- interactions report, 30 days, every campaign; one campaign; one agent;
- dialer report, 30 days, every campaign, over ``BENCH_SPOOL_ROWS`` spool rows (default
  3,000,000 over 90 days, added once when the spool is empty);
- the page (HTML, both reports, charts' data), 30 days, every campaign;
- what the triggers cost a write: 5,000 single-row first replies and closes, each its own
  statement, with the triggers and without (``ALTER TABLE … DISABLE TRIGGER``), rolled back.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

from bench.support import percentile, setup_django

REQUESTS = int(os.environ.get("BENCH_REPORTS", "200"))
SPOOL_ROWS = int(os.environ.get("BENCH_SPOOL_ROWS", "3000000"))


def ensure_spool() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM sms_spool)")
        if cursor.fetchone()[0] or SPOOL_ROWS == 0:
            return
        started = time.perf_counter()
        cursor.execute(
            """INSERT INTO sms_spool (campaign_id, destination, message, priority, position,
                   state, idm, data, provider_message_id, attempts, error, claim, fate_unknown,
                   created_at, updated_at, number, delivery_status, kind)
               SELECT c.ids[1 + (g %% array_length(c.ids, 1))], '09' || (g %% 10000000)::text,
                      'Your appointment is confirmed', 0, g,
                      (ARRAY[2,2,2,2,2,2,2,1,3,4,5,0])[1 + (g * 7 %% 12)], '', '', '', 1, '', '',
                      false, now() - (g %% 7776000) * interval '1 second', now(), '',
                      (ARRAY['delivered','delivered','delivered','sent','undelivered',
                             'unknown'])[1 + (g * 13 %% 6)], 'dialer'
                 FROM generate_series(1, %s) g,
                      (SELECT array_agg(id ORDER BY id) AS ids FROM campaigns_campaign) c""",
            [SPOOL_ROWS],
        )
        cursor.execute("ANALYZE sms_spool")
        print(f"  spool: {SPOOL_ROWS:,} rows added in {time.perf_counter() - started:.0f} s")


def timed_get(client, path: str, query: dict) -> tuple[float, int, int]:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path, query)
        ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content[:300]
    return ms, len(queries), len(response.content)


def bench_requests() -> None:
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from campaigns.models import Campaign
    from conversations.models import Interaction

    admin = User.objects.filter(role=Role.ADMIN).first() or User.objects.create_user(
        "bench-admin", password="!", role=Role.ADMIN
    )
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(admin)
    campaigns = list(Campaign.objects.values_list("pk", flat=True))
    agents = list(User.objects.filter(role=Role.AGENT).values_list("pk", flat=True))
    first = timezone.localdate(Interaction.objects.order_by("opened_at").first().opened_at)
    last = timezone.localdate()
    rnd = random.Random(1)

    def window() -> dict:
        start = first + dt.timedelta(days=rnd.randint(0, max(0, (last - first).days - 29)))
        return {"start": start.isoformat(), "end": (start + dt.timedelta(days=29)).isoformat()}

    kinds = {
        "interactions, every campaign": ("/api/v1/reports/interactions", lambda: {}),
        "interactions, one campaign": (
            "/api/v1/reports/interactions",
            lambda: {"campaign": rnd.choice(campaigns)},
        ),
        "interactions, one agent": (
            "/api/v1/reports/interactions",
            lambda: {"agent": rnd.choice(agents)},
        ),
        "dialer, every campaign": ("/api/v1/reports/dialer", lambda: {}),
        "page (HTML), every campaign": ("/monitoring/reports/", lambda: {}),
    }
    for path, extra in kinds.values():  # warm up
        timed_get(client, path, {**window(), **extra()})
    times: dict[str, list[float]] = {k: [] for k in kinds}
    queries: dict[str, int] = dict.fromkeys(kinds, 0)
    for _ in range(REQUESTS):
        for kind, (path, extra) in kinds.items():
            ms, count, _size = timed_get(client, path, {**window(), **extra()})
            times[kind].append(ms)
            queries[kind] = max(queries[kind], count)
    for kind, values in times.items():
        print(
            f"  {kind}, 30 days: p50 {statistics.median(values):.1f} ms, "
            f"p95 {percentile(values, 95):.1f} ms, max {max(values):.1f} ms, "
            f"≤ {queries[kind]} queries ({REQUESTS} requests)"
        )


def bench_trigger_cost() -> None:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM conversations_interaction WHERE state = 'closed' "
            "AND first_reply_at IS NOT NULL ORDER BY random() LIMIT 5000"
        )
        ids = [row[0] for row in cursor.fetchall()]

    def writes(enabled: bool) -> float:
        with transaction.atomic(), connection.cursor() as cursor:
            if not enabled:
                cursor.execute("ALTER TABLE conversations_interaction DISABLE TRIGGER USER")
            started = time.perf_counter()
            for pk in ids:
                cursor.execute(
                    "UPDATE conversations_interaction SET first_reply_at = first_reply_at "
                    "+ interval '1 second', closed_at = closed_at + interval '1 second' "
                    "WHERE id = %s",
                    [pk],
                )
            spent = time.perf_counter() - started
            transaction.set_rollback(True)
        return spent

    rounds = [(writes(True), writes(False)) for _ in range(2)]
    for with_t, without in rounds:
        print(
            f"  5,000 single-row answer+close UPDATEs: {with_t * 1000 / 5000:.3f} ms each with "
            f"the rollup trigger, {without * 1000 / 5000:.3f} ms without "
            f"(+{(with_t - without) * 1000 / 5000:.3f} ms)"
        )


def main() -> None:
    setup_django()
    from django.db import connection

    from reports.rollups import rebuild

    if connection.settings_dict["NAME"] == "contactcenter_bench":
        raise SystemExit("Copy contactcenter_bench first (see the docstring): this writes to it.")
    print(f"  load average: {os.getloadavg()}")
    ensure_spool()
    if os.environ.get("BENCH_REPORTS_REBUILD", "1") == "1":  # 0: the rollups are there already
        started = time.perf_counter()
        rows = rebuild()
        spent = time.perf_counter() - started
        print(f"  backfill (rebuild every day): {spent:.1f} s, {rows:,} rows")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reports_rollup")
    bench_requests()
    bench_trigger_cost()
    print(f"  load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
