"""Configuration → Agents: what ending a user's access costs (``accounts.sessions.end_access``).

Django keeps no index of sessions by user, so ``end_access`` reads and decodes every unexpired
session to find the user's. This measures it with BENCH_SESSIONS live sessions
(default 5,000 and 20,000: a busy site's day of sign-ins) spread over 500 users: p50 / p95 of
20 calls, each ending one user's sessions (their socket close and the signal included).
Target: under 250 ms at 20,000 sessions (it runs only when an admin acts).
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

    from accounts.models import User
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


if __name__ == "__main__":
    main()
