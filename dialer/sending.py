"""The sending loop: claim a batch, send it, record every outcome; recover dead workers' batches.

Guarantees (SPEC §7):
- Rows are claimed with row locks (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises
  writers), so any number of workers never claim a row twice.
- No duplicates, no silent loss: a row is marked in flight in the batch's Redis journal before it
  is handed to the provider, and its outcome is journalled as soon as the provider answers. If
  the worker dies, recovery applies the journalled outcomes, puts rows never handed over back to
  TO_PROCESS, and leaves rows in flight in SENDING with ``fate_unknown`` for an operator to
  requeue or drop. Nothing is ever resent blindly.
- ``time_between_messages`` is a per-dialer slot in Redis, so it holds whatever the number of
  workers.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from campaigns.schedules import open_at
from campaigns.selectors import hours_of
from contactcenter.redis_client import redis_client
from dialer import journal
from dialer.counters import adjust
from dialer.dncr import blocked_numbers
from dialer.journal import Journal, Outcome
from dialer.models import Dialer, SpoolRow
from dialer.numbers import normalise
from dialer.states import SpoolState
from providers.adapters import adapter_class
from providers.adapters.base import OutgoingSMS, SendError
from providers.encoding import EncodingError, segment_info
from providers.ports import parse_ports
from providers.services import adapter_for

logger = logging.getLogger("contactcenter.dialer")

BATCH_SIZE = 50
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (10, 30, 120, 600)

S = SpoolState


@dataclass(frozen=True)
class Claimed:
    id: int
    destination: str
    message: str
    attempts: int


# ----------------------------------------------------------------------------------- readiness
def dialer_is_open(dialer: Dialer, at=None) -> bool:  # noqa: ANN001  (datetime or None)
    schedules = dialer.schedules.prefetch_related("rules", "holidays")
    return open_at((hours_of(s) for s in schedules), at or timezone.now())


def may_send(dialer: Dialer) -> bool:
    return (
        dialer.running
        and dialer.enabled
        and not provider_resting(dialer.provider_id)
        and dialer_is_open(dialer)
    )


# ----------------------------------------------------------------------------------- breaker
# A provider that times out or refuses connections again and again is left alone for a while,
# so its dialers stop taking workers that other dialers need.
BREAKER_FAILURES = 3
BREAKER_REST_SECONDS = 30


def _rest_key(provider_id: int) -> str:
    return f"cc:provider:resting:{provider_id}"


def provider_resting(provider_id: int) -> bool:
    return bool(redis_client().exists(_rest_key(provider_id)))


def rest_provider(provider_id: int) -> None:
    redis_client().set(_rest_key(provider_id), 1, ex=BREAKER_REST_SECONDS)
    logger.warning(
        "provider failing: resting it",
        extra={"provider": provider_id, "seconds": BREAKER_REST_SECONDS},
    )


def unreachable(outcome: Outcome) -> bool:
    """A temporary failure that says the provider itself is down or too slow."""
    return outcome.state == S.TO_PROCESS and outcome.error.startswith(
        ("timed out", "connection failed", "HTTP 5")
    )


# ----------------------------------------------------------------------------------- claiming
def claim_batch(dialer: Dialer, token: str, limit: int = BATCH_SIZE) -> list[Claimed]:
    """Move up to ``limit`` rows of the dialer's campaign from TO_PROCESS to SENDING under
    ``token``, by priority then position (rows waiting for a retry are skipped)."""
    table = SpoolRow._meta.db_table
    lock = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    now = timezone.now()
    sql = (
        f"UPDATE {table} SET state = %s, claim = %s, updated_at = %s WHERE id IN ("  # noqa: S608
        f"SELECT id FROM {table} WHERE campaign_id = %s AND state = %s "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= %s) "
        f"ORDER BY priority, position LIMIT %s {lock}) "
        "RETURNING id, destination, message, attempts, priority, position"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [S.SENDING, token, now, dialer.campaign_id, S.TO_PROCESS, now, limit])
        rows = sorted(cursor.fetchall(), key=lambda r: (r[4], r[5]))
        if rows:
            adjust(
                {
                    (dialer.campaign_id, S.TO_PROCESS): -len(rows),
                    (dialer.campaign_id, S.SENDING): len(rows),
                }
            )
    return [Claimed(r[0], r[1], r[2], r[3]) for r in rows]


# ----------------------------------------------------------------------------------- pacing
_SLOT = """
local now = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nxt)
redis.call('SET', KEYS[1], tostring(slot + gap), 'PX', math.max(gap * 2, 1000))
return tostring(slot - now)
"""


def wait_for_slot(dialer: Dialer) -> None:
    """Sleep until this dialer's next sending slot; slots are ``time_between_messages`` apart
    across every worker."""
    gap = dialer.time_between_messages
    if gap <= 0:
        return
    client = redis_client()
    script = client.register_script(_SLOT)
    wait_ms = float(script(keys=[f"cc:dialer:slot:{dialer.pk}"], args=[time.time() * 1000, gap]))
    if wait_ms > 0:
        time.sleep(wait_ms / 1000)


def next_port(dialer: Dialer, ports: list[int]) -> int:
    turn = redis_client().incr(f"cc:dialer:port:{dialer.pk}") - 1
    return ports[turn % len(ports)]


# ----------------------------------------------------------------------------------- sending
def decide(
    dialer: Dialer, row: Claimed, blocked: set[str], pattern: re.Pattern | None, number: str = ""
) -> Outcome | None:
    """The outcome a row gets without being sent (DNCR, number format, encoding), or None.
    ``number`` is the destination normalised (for the DNCR)."""
    if dialer.check_dncr and (number or normalise(row.destination)) in blocked:
        return Outcome(S.BLOCKED, error="on the do-not-contact list", attempts=row.attempts)
    if pattern is not None and not pattern.search(row.destination):
        return Outcome(
            S.OTHER,
            error=f"incorrect number format (does not match {pattern.pattern})",
            attempts=row.attempts,
        )
    try:
        segment_info(row.message, dialer.provider.encoding)
    except EncodingError as exc:
        return Outcome(S.FAILED, error=str(exc), attempts=row.attempts)
    return None


def send_row(dialer: Dialer, row: Claimed, port: int | None) -> Outcome:
    provider = dialer.provider
    info = segment_info(row.message, provider.encoding)
    outgoing = OutgoingSMS(
        destination=row.destination,
        text=row.message,
        reference=f"spool{row.id}",
        number=row.id,
        port=port,
        encoding=info.encoding,
    )
    attempts = row.attempts + 1
    try:
        result = adapter_for(provider).send(outgoing)
    except SendError as exc:
        if exc.permanent or attempts >= MAX_ATTEMPTS:
            reason = str(exc) if exc.permanent else f"retries exhausted ({attempts}): {exc}"
            return Outcome(S.FAILED, error=reason, attempts=attempts, port=port, code=exc.code)
        delay = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
        return Outcome(
            S.TO_PROCESS,
            error=str(exc),
            attempts=attempts,
            port=port,
            retry_in=delay,
            code=exc.code,
        )
    return Outcome(
        S.SENT,
        provider_message_id=result.provider_message_id,
        attempts=attempts,
        segments=result.segments or info.segments,
        port=port,
    )


def heartbeat_ttl(dialer: Dialer) -> int:
    """Longer than the slowest possible send, so a live worker is never presumed dead."""
    provider = dialer.provider
    longest = provider.connect_timeout + provider.read_timeout + dialer.time_between_messages / 1000
    return int(longest) + settings.DIALER_HEARTBEAT_MARGIN


_senders: ThreadPoolExecutor | None = None
_senders_lock = threading.Lock()


def senders() -> ThreadPoolExecutor:
    """Per-process threads that send a batch's rows concurrently (DIALER_SEND_CONCURRENCY):
    provider latency, not CPU, bounds a sequential sender. Each thread keeps its own adapters
    (and connections); a batch still starts its sends in priority/position order."""
    global _senders
    with _senders_lock:
        if _senders is None:
            _senders = ThreadPoolExecutor(
                max_workers=settings.DIALER_SEND_CONCURRENCY, thread_name_prefix="dialer-send"
            )
        return _senders


RECHECK_SECONDS = 1.0


def send_for(dialer_id: int, seconds: float) -> bool:
    """Send batches for one dialer for up to ``seconds`` while it may send (running, enabled,
    provider not resting, inside its schedules: checked again at least every second, so a Stop
    takes effect within a second plus the batch in hand). True when there may be more."""
    deadline = time.monotonic() + seconds
    checked_at, dialer = 0.0, None
    while time.monotonic() < deadline:
        if time.monotonic() - checked_at >= RECHECK_SECONDS:
            dialer = Dialer.objects.select_related("provider").filter(pk=dialer_id).first()
            if dialer is None or not may_send(dialer):
                return False
            checked_at = time.monotonic()
        if not process_batch(dialer):
            return False
    return True


def process_batch(dialer: Dialer) -> int:
    """Claim and send one batch; returns how many rows it took (0: nothing to do)."""
    token = secrets.token_hex(12)
    book = Journal(token, heartbeat_ttl(dialer))
    book.open()
    rows = claim_batch(dialer, token)
    if not rows:
        book.close()
        return 0
    uses_ports = adapter_class(dialer.provider.api_type).uses_ports
    ports = parse_ports(dialer.dial_string) if uses_ports and dialer.dial_string.strip() else []
    pattern = re.compile(dialer.provider.number_regexp) if dialer.provider.number_regexp else None
    numbers = {r.id: normalise(r.destination) for r in rows} if dialer.check_dncr else {}
    blocked = blocked_numbers(dialer.campaign_id, numbers.values()) if numbers else set()
    outcomes: dict[int, Outcome] = {}
    to_send: list[Claimed] = []
    for row in rows:
        decided = decide(dialer, row, blocked, pattern, numbers.get(row.id, ""))
        if decided is None:
            to_send.append(row)
        else:
            outcomes[row.id] = decided
    # Rows go out in windows: one journal round trip marks a window in flight (and records the
    # previous window's outcomes), then the window's sends run concurrently. A paced dialer
    # sends one row at a time.
    width = 1 if dialer.time_between_messages else settings.DIALER_SEND_CONCURRENCY
    done: list[tuple[int, Outcome]] = []
    lost = False

    def send_one(job: tuple[Claimed, int | None]) -> Outcome:
        wait_for_slot(dialer)
        return send_row(dialer, job[0], job[1])

    failures = 0
    for start in range(0, len(to_send), width):
        if failures >= BREAKER_FAILURES:
            rest_provider(dialer.provider_id)  # the rest of the batch goes back to the queue
            break
        window = to_send[start : start + width]
        if not book.step([r.id for r in window], done):
            lost = True  # the heartbeat is gone: recovery settles this batch
            break
        # Ports are dealt in row order here, so the round-robin holds with concurrent sends.
        jobs = [(row, next_port(dialer, ports) if ports else None) for row in window]
        results = list(senders().map(send_one, jobs)) if width > 1 else [send_one(jobs[0])]
        done = list(zip((r.id for r in window), results, strict=True))
        outcomes.update(done)
        failures = (
            failures + sum(map(unreachable, results)) if any(map(unreachable, results)) else 0
        )
    if done and not lost:
        book.step([], done)
    if lost:
        logger.error(
            "batch heartbeat lost; its rows are settled by recovery", extra={"dialer": dialer.pk}
        )
    finish(dialer.campaign_id, token, rows, outcomes)
    book.close()
    return len(rows)


def finish(campaign_id: int, token: str, rows: list[Claimed], outcomes: dict[int, Outcome]) -> None:
    """Write a batch's outcomes in one transaction; rows without one go back to TO_PROCESS.

    Only rows still held by ``token`` are written (recovery may have settled the batch of a
    worker presumed dead), and the counters move by exactly what was written.
    """
    now = timezone.now()
    table = SpoolRow._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        lock = "FOR UPDATE" if connection.vendor == "postgresql" else ""
        cursor.execute(
            f"SELECT id FROM {table} WHERE claim = %s AND state = %s {lock}",  # noqa: S608
            [token, S.SENDING],
        )
        held = {r[0] for r in cursor.fetchall()}
        params, deltas = [], Counter()
        for row in rows:
            if row.id not in held:
                continue
            outcome = outcomes.get(row.id) or Outcome(S.TO_PROCESS, attempts=row.attempts)
            retry_at = now + timedelta(seconds=outcome.retry_in) if outcome.retry_in else None
            sent_at = now if outcome.state == S.SENT else None
            params.append(
                [
                    outcome.state,
                    outcome.provider_message_id,
                    outcome.error[:2000],
                    outcome.attempts,
                    outcome.segments,
                    outcome.port,
                    retry_at,
                    sent_at,
                    now,
                    row.id,
                ]
            )
            deltas[(campaign_id, outcome.state)] += 1
            deltas[(campaign_id, S.SENDING)] -= 1
        if params:
            _write_outcomes(cursor, table, params)
        adjust(deltas)


_OUTCOME_COLUMNS = (
    "state",
    "provider_message_id",
    "error",
    "attempts",
    "segments",
    "port",
    "next_attempt_at",
    "sent_at",
    "updated_at",
    "id",
)
_PG_TYPES = (
    "smallint",
    "text",
    "text",
    "smallint",
    "smallint",
    "smallint",
    "timestamptz",
    "timestamptz",
    "timestamptz",
    "bigint",
)


def _write_outcomes(cursor: Any, table: str, params: list[list]) -> None:
    """One UPDATE for the whole batch on PostgreSQL (a VALUES list); one per row elsewhere."""
    sets = (
        "state = v.state, provider_message_id = v.provider_message_id, error = v.error, "
        "attempts = v.attempts, segments = v.segments, port = v.port, "
        "next_attempt_at = v.next_attempt_at, sent_at = COALESCE(v.sent_at, s.sent_at), "
        "updated_at = v.updated_at, claim = '', fate_unknown = false"
    )
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{t}[]" for t in _PG_TYPES)
        cursor.execute(
            f"UPDATE {table} AS s SET {sets} FROM unnest({arrays}) "  # noqa: S608
            f"AS v({', '.join(_OUTCOME_COLUMNS)}) WHERE s.id = v.id",
            [list(column) for column in zip(*params, strict=True)],
        )
        return
    cursor.executemany(
        f"UPDATE {table} SET state = %s, provider_message_id = %s, error = %s, "  # noqa: S608
        "attempts = %s, segments = %s, port = %s, next_attempt_at = %s, "
        "sent_at = COALESCE(%s, sent_at), updated_at = %s, claim = '', fate_unknown = false "
        "WHERE id = %s",
        params,
    )


# ----------------------------------------------------------------------------------- recovery
def recover_abandoned_batches() -> int:
    """Settle the batches of workers whose heartbeat expired; returns how many."""
    tokens = set(
        SpoolRow.objects.filter(state=S.SENDING, fate_unknown=False)
        .exclude(claim="")
        .values_list("claim", flat=True)
        .distinct()
    )
    settled = 0
    for token in tokens:
        if journal.alive(token):
            continue
        settle(token)
        settled += 1
    return settled


def settle(token: str) -> None:
    marked = journal.read(token)
    with transaction.atomic():
        rows = list(
            SpoolRow.objects.select_for_update().filter(
                claim=token, state=S.SENDING, fate_unknown=False
            )
        )
        if not rows:
            journal.forget(token)
            return
        campaign_id = rows[0].campaign_id
        known = {r.id: marked[r.id] for r in rows if marked.get(r.id) is not None}
        unknown = [r.id for r in rows if r.id in marked and marked[r.id] is None]
        claimed = [
            Claimed(r.id, r.destination, r.message, r.attempts) for r in rows if r.id not in unknown
        ]
        finish(campaign_id, token, claimed, known)
        SpoolRow.objects.filter(id__in=unknown).update(
            fate_unknown=True,
            updated_at=timezone.now(),
            error="worker died while sending: fate unknown",
        )
    journal.forget(token)
    logger.warning(
        "abandoned batch settled",
        extra={"claim": token, "rows": len(rows), "unknown": len(unknown)},
    )
