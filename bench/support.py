"""Shared set-up for benchmarks: Django on a PostgreSQL benchmark database, the fake provider in
its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/contactcenter_bench"


def setup_django() -> None:
    """Use DATABASE_URL when it names PostgreSQL, else a ``contactcenter_bench`` database on
    127.0.0.1; migrate it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
        _create_database(BENCH_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def start_fake_provider(delay: float = 0.0) -> tuple[subprocess.Popen, int]:
    """The fake provider in its own process; ``delay``: seconds before every answer."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakeprovider", *(["--delay", str(delay)] if delay else [])],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, int(process.stdout.readline().split()[1])


def stop(process: subprocess.Popen) -> None:
    process.stdin.close()
    process.wait(timeout=10)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
