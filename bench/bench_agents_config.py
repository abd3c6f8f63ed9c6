"""Configuration → Agents: what ending a user's access costs (``accounts.sessions.end_access``).

With BENCH_SESSIONS live sessions (default 5,000 and 20,000: a busy site's day of sign-ins)
spread over 500 users, each indexed in ``UserSession`` as a sign-in does: p50 / p95 of 20 calls,
each ending one user's sessions (their socket close and the signal included). Target: p95 under
50 ms, flat in the number of sessions. The first version decoded every live session instead:
p50 984 ms / 6,746 ms at 5,000 / 20,000 sessions (load average 18 on 2 cores), hence the index.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from bench.support import percentile, setup_django

SIZES = [int(s) for s in os.environ.get("BENCH_SESSIONS", "5000,20000").split(",")]
USERS = 500
CALLS = 20


def main() -> None:
    setup_django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.models import User, UserSession
    from accounts.sessions import end_access

    expires = timezone.now() + dt.timedelta(hours=12)
    users = list(User.objects.filter(username__startswith="bench-session-"))
    if len(users) < USERS:
        User.objects.bulk_create(
            [User(username=f"bench-session-{i}", password="!") for i in range(len(users), USERS)]
        )
        users = list(User.objects.filter(username__startswith="bench-session-"))
    for size in SIZES:
        Session.objects.all().delete()
        UserSession.objects.all().delete()
        store = SessionStore()
        rows = [
            Session(
                session_key=f"bench{n:028d}",
                session_data=store.encode(
                    {
                        SESSION_KEY: str(users[n % USERS].pk),
                        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                        HASH_SESSION_KEY: "x" * 64,
                    }
                ),
                expire_date=expires,
            )
            for n in range(size)
        ]
        Session.objects.bulk_create(rows, batch_size=5000)
        UserSession.objects.bulk_create(
            [
                UserSession(user=users[n % USERS], session_key=row.session_key)
                for n, row in enumerate(rows)
            ],
            batch_size=5000,
        )
        timings = []
        for user in users[:CALLS]:
            started = time.perf_counter()
            ended = end_access(user.pk, reason="bench")
            timings.append((time.perf_counter() - started) * 1000)
            assert ended == size // USERS, (ended, size // USERS)
        print(
            f"end_access with {size:,} live sessions: p50 {percentile(timings, 50):.1f} ms, "
            f"p95 {percentile(timings, 95):.1f} ms ({CALLS} calls, {size // USERS} sessions each)"
        )
    Session.objects.all().delete()
    UserSession.objects.all().delete()


if __name__ == "__main__":
    main()
