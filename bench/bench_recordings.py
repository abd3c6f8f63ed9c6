"""Recordings benchmarks on PostgreSQL (issue 14), on a ``seed_history`` history (the issue's
size: 10,000,000 messages / 1,000,000 interactions). Point DATABASE_URL at a copy of it (this
writes a bench admin and one 1,000-message interaction into it).

- list: one page (25) of the recordings for each single filter (start, end, origin, one
  campaign, three campaigns, one agent, three agents), for the manual's full filter set (start,
  end, origin, campaign, agent) and for the text search (a common word, a rare code, a word
  nobody wrote, a word with a campaign): BENCH_RECORDINGS_READS (200) each on random values,
  alternated. Server time: the filters checked and the page built (``parse_filters`` +
  ``page_of``, with its estimated total), as the API and the page do. Targets: p95 < 100 ms and
  at most 6 queries; text p95 < 300 ms.
- transcript: a 1,000-message interaction as CSV, 50 times: p95 < 50 ms.
- export: the newest interactions holding BENCH_EXPORT_MESSAGES (1,000,000) messages, exported
  by ``run_export`` in a child process (its peak memory from ``ru_maxrss``) vs PostgreSQL's own
  ``COPY (SELECT the same messages) TO STDOUT`` read to the end, alternated over 2 rounds:
  at least half its speed, under 200 MB.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import subprocess
import sys
import time

from bench.support import ROOT, percentile, setup_django

READS = int(os.environ.get("BENCH_RECORDINGS_READS", "200"))
EXPORT_MESSAGES = int(os.environ.get("BENCH_EXPORT_MESSAGES", "1000000"))
ROUNDS = int(os.environ.get("BENCH_EXPORT_ROUNDS", "2"))


def admin():  # noqa: ANN201
    from accounts.models import User
    from accounts.roles import Role

    user = User.objects.filter(username="bench-recordings").first()
    return user or User.objects.create_user(
        username="bench-recordings", password="x", role=Role.ADMIN
    )


def measure(user, query: dict) -> tuple[float, int, int]:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recordings.filters import parse_filters
    from recordings.selectors import page_of

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        page = page_of(user, parse_filters(query))
        ms = (time.perf_counter() - started) * 1000
    return ms, len(queries), len(page.rows)


def list_cases() -> dict:
    from django.db.models import Max, Min

    from accounts.models import User
    from accounts.roles import Role
    from campaigns.models import Campaign
    from conversations.models import Interaction

    campaigns = list(
        Campaign.objects.filter(name__startswith="History").values_list("pk", flat=True)
    )
    agents = list(
        User.objects.filter(role=Role.AGENT, username__startswith="hist-agent").values_list(
            "pk", flat=True
        )
    )
    span = Interaction.objects.aggregate(first=Min("opened_at"), last=Max("opened_at"))
    first, last = span["first"], span["last"]
    days = max(1, (last - first).days)
    top = Interaction.objects.order_by("-id").values_list("id", flat=True).first()

    def day(offset: int) -> str:
        return (first + dt.timedelta(days=offset)).date().isoformat()

    def sample_interaction():  # noqa: ANN202
        while True:
            found = (
                Interaction.objects.filter(pk__gte=random.randint(1, top), agent__isnull=False)
                .order_by("pk")
                .values("number", "campaign_id", "agent_id", "opened_at")
                .first()
            )
            if found:
                return found

    def manual() -> dict:
        i = sample_interaction()
        return {
            "start": (i["opened_at"] - dt.timedelta(days=10)).date().isoformat(),
            "end": (i["opened_at"] + dt.timedelta(days=10)).date().isoformat(),
            "origin": i["number"], "campaign": [str(i["campaign_id"])],
            "agent": [str(i["agent_id"])],
        }  # fmt: skip

    return {
        "no filter": lambda: {},
        "start": lambda: {"start": day(random.randint(0, days))},
        "end": lambda: {"end": day(random.randint(0, days))},
        "start+end (7 days)": lambda: (lambda d: {"start": day(d), "end": day(d + 7)})(
            random.randint(0, days - 7)
        ),
        "origin": lambda: {"origin": sample_interaction()["number"]},
        "campaign": lambda: {"campaign": [str(random.choice(campaigns))]},
        "3 campaigns": lambda: {"campaign": [str(c) for c in random.sample(campaigns, 3)]},
        "agent": lambda: {"agent": [str(random.choice(agents))]},
        "3 agents": lambda: {"agent": [str(a) for a in random.sample(agents, 3)]},
        "manual's full set": manual,
        "text: common word": lambda: {"q": random.choice(["invoice", "appointment", "refund"])},
        "text: rare code": lambda: {"q": "4471-2231 account"},
        "text: nobody wrote it": lambda: {"q": f"zebra{random.randint(0, 10**6)}"},
        "text + campaign": lambda: {
            "q": "subscription",
            "campaign": [str(random.choice(campaigns))],
        },  # fmt: skip
    }


def bench_list() -> None:
    user = admin()
    cases = list_cases()
    results: dict[str, list[tuple[float, int, int]]] = {name: [] for name in cases}
    for make in cases.values():  # warm-up: one of each
        measure(user, make())
    for _ in range(READS):
        for name in random.sample(list(cases), len(cases)):
            results[name].append(measure(user, cases[name]()))
    print(f"recordings list, {READS} pages each (server time: filters checked + page built)")
    for name, rows in results.items():
        ms = [r[0] for r in rows]
        print(
            f"  {name:24s} p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
            f"max {max(ms):7.1f} ms  queries ≤ {max(r[1] for r in rows)}  "
            f"rows/page avg {sum(r[2] for r in rows) / len(rows):.1f}"
        )


def long_interaction():  # noqa: ANN201
    from conversations.models import Interaction, Message

    number = "+59800001000"
    found = Interaction.objects.filter(number=number, state="closed").first()
    if found and found.messages.count() == 1000:
        return found
    base = Interaction.objects.filter(agent__isnull=False).order_by("-id").first()
    now = base.opened_at
    i = Interaction.objects.create(
        campaign_id=base.campaign_id, provider_id=base.provider_id, number=number,
        state="closed", agent_id=base.agent_id, opened_at=now, last_activity_at=now,
        closed_at=now, close_reason="agent",
    )  # fmt: skip
    Message.objects.bulk_create(
        Message(interaction=i, provider_id=base.provider_id, number=number,
                direction="in" if n % 2 == 0 else "out",
                author="customer" if n % 2 == 0 else "agent",
                agent_id=None if n % 2 == 0 else base.agent_id,
                delivery="" if n % 2 == 0 else "delivered",
                text=f"message {n} of a long conversation", created_at=now)
        for n in range(1000)
    )  # fmt: skip
    return i


def bench_transcript() -> None:
    from conversations.models import Interaction
    from recordings.transcript import as_csv

    interaction = long_interaction()
    times = []
    for _ in range(50):
        started = time.perf_counter()
        fresh = Interaction.objects.select_related("campaign").get(pk=interaction.pk)
        lines = sum(1 for _ in as_csv(fresh))
        times.append((time.perf_counter() - started) * 1000)
    assert lines == 1001, lines
    print(
        f"transcript of 1,000 messages as CSV: p50 {percentile(times, 50):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms"
    )


EXPORT_CHILD = """
import os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
import django
django.setup()
from recordings.exports import run_export
started = time.perf_counter()
job = run_export(int(sys.argv[1]))
seconds = time.perf_counter() - started
print(job.state, job.rows, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def export_start() -> dt.datetime:
    """The opened_at from which the newest interactions hold about EXPORT_MESSAGES messages."""
    from conversations.models import Interaction

    count = EXPORT_MESSAGES // 10
    return Interaction.objects.order_by("-opened_at").values_list("opened_at", flat=True)[count]


def copy_baseline(start: dt.datetime) -> tuple[float, int]:
    from django.db import connection

    sql = (
        "COPY (SELECT m.* FROM conversations_message m JOIN conversations_interaction i "
        "ON i.id = m.interaction_id WHERE i.opened_at >= %s) TO STDOUT WITH (FORMAT csv)"
    )
    started = time.perf_counter()
    size = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql, (start,)) as copy:
            for block in copy:
                size += len(block)
        rows = cursor.cursor.rowcount
    return time.perf_counter() - started, rows


def bench_export() -> None:
    from django.core.files.storage import default_storage

    from recordings.models import ExportJob

    user = admin()
    start = export_start()
    print(f"export: interactions opened from {start.isoformat()}")
    for round_ in range(ROUNDS):
        base_s, base_rows = copy_baseline(start)
        job = ExportJob.objects.create(created_by=user, filters={"start": start.isoformat()})
        out = subprocess.run(
            [sys.executable, "-c", EXPORT_CHILD, str(job.pk)],
            cwd=ROOT, env=os.environ, capture_output=True, text=True, check=True,
        )  # fmt: skip
        state, rows, seconds, rss_mb = out.stdout.split()[-4:]
        seconds = float(seconds)
        job.refresh_from_db()
        if job.path:
            default_storage.delete(job.path)
        print(
            f"  round {round_ + 1}: COPY {base_rows:,} rows in {base_s:.2f} s "
            f"({base_rows / base_s:,.0f}/s); export {state} {int(rows):,} rows in {seconds:.2f} s "
            f"({int(rows) / seconds:,.0f}/s) = {base_s / seconds:.0%} of COPY's speed; "
            f"export process peak {rss_mb} MB"
        )


def main() -> None:
    setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'conversations_message'"
        )
        messages = cursor.fetchone()[0]
    print(f"history: about {messages:,} messages; load average {os.getloadavg()}")
    which = os.environ.get("BENCH_RECORDINGS", "list,transcript,export").split(",")
    if "list" in which:
        bench_list()
    if "transcript" in which:
        bench_transcript()
    if "export" in which:
        bench_export()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"load average {os.getloadavg()}; own peak {peak} MB")


if __name__ == "__main__":
    main()
