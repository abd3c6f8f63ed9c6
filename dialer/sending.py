"""The sending loop: claim a batch, send it, record every outcome (recovery of dead workers'
batches is in ``dialer.recovery``).

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
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings

from contactcenter.phones import normalise
from contactcenter.publishing import publish
from contactcenter.redis_client import redis_client
from dialer.claims import Claimed, claim_batch, finish
from dialer.dncr import blocked_numbers
from dialer.journal import Journal, Outcome
from dialer.models import Dialer
from dialer.opening import dialer_is_open
from dialer.send_mode import SendMode
from dialer.states import SpoolState
from providers.adapters import adapter_class
from providers.adapters.base import OutgoingSMS, SendError
from providers.breaker import (
    BREAKER_FAILURES,
    provider_resting,
    rest_provider,
    unreachable_error,
)
from providers.encoding import EncodingError, SegmentInfo, segment_info
from providers.ports import parse_ports
from providers.reports import SPOOL, message_number

# The retry policy is providers' (one for every sending path); its names are read here too.
from providers.retries import BACKOFF_SECONDS as BACKOFF_SECONDS
from providers.retries import MAX_ATTEMPTS, retry_in
from providers.services import adapter_for

logger = logging.getLogger("contactcenter.dialer")

BATCH_SIZE = 50
WINDOWS_PER_BATCH = 4
# Rows marked in flight by one journal round trip once the provider was measured fast (its rows
# are sent one after another): a crash then leaves up to this many rows with an unknown fate
# (never sent twice) instead of a window's, for a round trip per SEQUENTIAL_MARKS rows instead
# of one per window.
SEQUENTIAL_MARKS = 64

S = SpoolState


# ----------------------------------------------------------------------------------- readiness
def may_send(dialer: Dialer) -> bool:
    return (
        dialer.running
        and dialer.enabled
        and not provider_resting(dialer.provider_id)
        and dialer_is_open(dialer)
    )


# ----------------------------------------------------------------------------------- breaker
# A provider that times out or refuses connections again and again is left alone for a while,
# so its dialers stop taking workers that other dialers need (``providers.breaker``: the same
# rest stops conversations' replies).


def unreachable(outcome: Outcome) -> bool:
    """A temporary failure that says the provider itself is down or too slow."""
    return outcome.state == S.TO_PROCESS and unreachable_error(outcome.error)


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
    dialer: Dialer, row: Claimed, blocked: set[str], pattern: re.Pattern | None, number: str
) -> Outcome | SegmentInfo:
    """The outcome a row gets without being sent (DNCR, number format, encoding), or, for a row
    to send, its text's encoding and segments (worked out once, here). ``number`` is the
    destination normalised (for the DNCR)."""
    if dialer.check_dncr and number in blocked:
        return Outcome(S.BLOCKED, error="on the do-not-contact list", attempts=row.attempts)
    if pattern is not None and not pattern.search(row.destination):
        return Outcome(
            S.OTHER,
            error=f"incorrect number format (does not match {pattern.pattern})",
            attempts=row.attempts,
        )
    try:
        return segment_info(row.message, dialer.provider.encoding)
    except EncodingError as exc:
        return Outcome(S.FAILED, error=str(exc), attempts=row.attempts)


def send_row(
    dialer: Dialer, row: Claimed, port: int | None, info: SegmentInfo | None = None
) -> Outcome:
    provider = dialer.provider
    info = info or segment_info(row.message, provider.encoding)
    outgoing = OutgoingSMS(
        destination=row.destination,
        text=row.message,
        reference=f"spool{row.id}",
        number=message_number(row.id, kind=SPOOL),
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
        delay = retry_in(attempts)
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


_pools: dict[tuple[str, int], tuple[int, ThreadPoolExecutor]] = {}
_pools_lock = threading.Lock()


def thread_pool(name: str, workers: int) -> ThreadPoolExecutor:
    """A per-process pool of ``workers`` threads (made again in a forked child, whose copy has
    no threads, and when the setting changes). Each thread keeps its own provider adapters, and
    so its own connections."""
    with _pools_lock:
        pid, pool = _pools.get((name, workers), (0, None))
        if pool is None or pid != os.getpid():
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"dialer-{name}")
            _pools[(name, workers)] = (os.getpid(), pool)
        return pool


def senders() -> ThreadPoolExecutor:
    """Threads that send a window's rows concurrently (DIALER_SEND_CONCURRENCY)."""
    return thread_pool("send", settings.DIALER_SEND_CONCURRENCY)


def batch_runners() -> ThreadPoolExecutor:
    """Threads that send whole batches while the task's own thread claims the next batch and
    writes the previous one's outcomes (one per sending task that can run in this process)."""
    return thread_pool("batch", settings.DIALER_PARALLEL_BATCHES)


# ----------------------------------------------------------------------------------- batches
@dataclass
class Batch:
    """Rows claimed under one token, with the outcomes decided or received so far."""

    dialer: Dialer
    token: str
    journal: Journal
    rows: list[Claimed]
    to_send: list[Claimed] = field(default_factory=list)
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    numbers: dict[int, str] = field(default_factory=dict)  # destinations normalised
    infos: dict[int, SegmentInfo] = field(default_factory=dict)  # encoding of rows to send
    halted: bool = False  # the provider kept failing, or the heartbeat was lost
    # Set once no row is left to hand over (the last sends may still be out).
    handed_over: threading.Event = field(default_factory=threading.Event)


def window_width(dialer: Dialer) -> int:
    """How many rows are handed to the provider at once: one when paced, else
    DIALER_SEND_CONCURRENCY."""
    return 1 if dialer.time_between_messages else max(1, settings.DIALER_SEND_CONCURRENCY)


def batch_size(dialer: Dialer) -> int:
    """At least BATCH_SIZE rows and WINDOWS_PER_BATCH windows, in whole windows: a part-filled
    last window leaves senders idle for a provider round trip, and so does the end of every
    batch (the next one starts when its last send is back)."""
    width = window_width(dialer)
    return -(-max(BATCH_SIZE, WINDOWS_PER_BATCH * width) // width) * width


def prepare_batch(dialer: Dialer) -> Batch | None:
    """Claim a batch and decide the rows that are not to be sent (DNCR, number format,
    encoding). None when nothing is waiting."""
    token = secrets.token_hex(12)
    book = Journal(token, heartbeat_ttl(dialer))
    book.open()
    rows = claim_batch(dialer.campaign_id, token, batch_size(dialer))
    if not rows:
        book.close()
        return None
    batch = Batch(dialer, token, book, rows)
    provider = dialer.provider
    pattern = re.compile(provider.number_regexp) if provider.number_regexp else None
    # Normalised once: for the DNCR, and kept on sent rows so replies find their campaign.
    batch.numbers = {r.id: normalise(r.destination) for r in rows}
    blocked = (
        blocked_numbers(dialer.campaign_id, batch.numbers.values()) if dialer.check_dncr else set()
    )
    for row in rows:
        decided = decide(dialer, row, blocked, pattern, batch.numbers[row.id])
        if isinstance(decided, SegmentInfo):
            batch.to_send.append(row)
            batch.infos[row.id] = decided
        else:
            batch.outcomes[row.id] = decided
    return batch


@dataclass
class _Progress:
    """Outcomes received and not yet journalled, and the provider's failures in a row."""

    done: list[tuple[int, Outcome]] = field(default_factory=list)
    failures: int = 0
    lost: bool = False  # the batch's heartbeat is gone

    def halt_if_failing(self, batch: Batch) -> bool:
        """After BREAKER_FAILURES unreachable sends in a row: rest the provider and halt the
        batch (its rows not handed over go back to the queue)."""
        if self.failures < BREAKER_FAILURES:
            return False
        last = next((o.error for _, o in reversed(self.done) if unreachable(o)), "")
        rest_provider(batch.dialer.provider_id, last)
        batch.halted = True
        return True

    def record(self, batch: Batch, received: list[tuple[int, Outcome]]) -> None:
        batch.outcomes.update(received)
        self.done += received
        unreachable_now = sum(unreachable(outcome) for _, outcome in received)
        self.failures = self.failures + unreachable_now if unreachable_now else 0

    def start(self, batch: Batch, rows: list[Claimed]) -> bool:
        """One journal round trip: ``rows`` in flight, the outcomes received so far recorded.
        False when the heartbeat is gone (recovery settles the batch then)."""
        if batch.journal.step([r.id for r in rows], self.done):
            self.done = []
            return True
        batch.halted = self.lost = True
        logger.error(
            "batch heartbeat lost; its rows are settled by recovery",
            extra={"dialer": batch.dialer.pk},
        )
        return False


def send_batch(batch: Batch, mode: SendMode) -> None:
    """Send the batch's rows. Every row is marked in flight in the journal before it is handed
    over, and at most ``window_width`` rows are ever handed over at once. Rows marked in flight
    and not yet settled in the journal (those a crash leaves with an unknown fate) are at most
    ``window_width``, except on a provider measured fast: up to ``SEQUENTIAL_MARKS``.

    One at a time (a paced dialer), or in windows while the send mode measures the provider;
    once measured fast, one after another, ``SEQUENTIAL_MARKS`` rows marked per journal round
    trip (one round trip a window cost about as much CPU as a send); once concurrent, as a
    sliding window: whenever sends come back, their outcomes and the next rows go into one
    journal round trip and those rows are handed to the threads at once, so the threads never
    wait for the slowest send of a window (at concurrency 32 that wait cost about a tenth of the
    throughput)."""
    dialer = batch.dialer
    uses_ports = adapter_class(dialer.provider.api_type).uses_ports
    ports = parse_ports(dialer.dial_string) if uses_ports and dialer.dial_string.strip() else []
    width = window_width(dialer)

    def send_one(job: tuple[Claimed, int | None]) -> Outcome:
        wait_for_slot(dialer)
        return send_row(dialer, job[0], job[1], batch.infos.get(job[0].id))

    def job(row: Claimed) -> tuple[Claimed, int | None]:
        # Ports are dealt in row order here, so the round-robin holds with concurrent sends.
        return row, next_port(dialer, ports) if ports else None

    try:
        _send_rows(batch, mode, width, send_one, job)
    finally:
        batch.handed_over.set()


def _send_rows(
    batch: Batch,
    mode: SendMode,
    width: int,
    send_one: Callable[[tuple[Claimed, int | None]], Outcome],
    job: Callable[[Claimed], tuple[Claimed, int | None]],
) -> None:
    progress = _Progress()
    rows, start = batch.to_send, 0
    while start < len(rows):
        if progress.halt_if_failing(batch):
            break
        if width > 1 and not mode.measuring_next():
            _slide(batch, rows[start:], width, send_one, job, progress)
            mode.windows += -(-(len(rows) - start) // width)
            break
        if width > 1 and mode.settled_sequential():
            sent = _send_in_sequence(
                batch, rows[start : start + SEQUENTIAL_MARKS], mode, send_one, job, progress
            )
            if sent is None:
                return
            start += sent
            mode.windows += -(-sent // width)
            continue
        # A probe of a concurrent mode is one row sent on its own: the others wait for it.
        size = 1 if mode.concurrent else width
        window = rows[start : start + size]
        start += size
        if not progress.start(batch, window):
            return
        jobs = [job(row) for row in window]
        results = mode.run(send_one, jobs, senders) if width > 1 else [send_one(jobs[0])]
        progress.record(batch, list(zip((r.id for r in window), results, strict=True)))
    if progress.done and not progress.lost:
        batch.journal.step([], progress.done)


def _send_in_sequence(
    batch: Batch,
    rows: list[Claimed],
    mode: SendMode,
    send_one: Callable[[tuple[Claimed, int | None]], Outcome],
    job: Callable[[Claimed], tuple[Claimed, int | None]],
    progress: _Progress,
) -> int | None:
    """Mark ``rows`` in flight in one journal round trip, then send them one after another,
    measured, until the provider no longer looks fast or keeps failing. Returns how many were
    sent (the others, marked and never handed over, are the caller's again), None when the
    heartbeat is gone."""
    if not progress.start(batch, rows):
        return None
    sent = 0
    for row in rows:
        if mode.concurrent or progress.failures >= BREAKER_FAILURES:
            break
        progress.record(batch, [(row.id, mode.timed(send_one, job(row)))])
        sent += 1
    return sent


def _slide(
    batch: Batch,
    rows: list[Claimed],
    width: int,
    send_one: Callable[[tuple[Claimed, int | None]], Outcome],
    job: Callable[[Claimed], tuple[Claimed, int | None]],
    progress: _Progress,
) -> None:
    """Keep ``width`` rows in flight until ``rows`` are all sent (see send_batch)."""
    pool = senders()
    waiting = deque(rows)
    running: dict[Future[Outcome], int] = {}
    while waiting or running:
        if waiting and progress.halt_if_failing(batch):
            waiting.clear()
        starting = [waiting.popleft() for _ in range(min(width - len(running), len(waiting)))]
        if starting:
            if progress.start(batch, starting):
                running.update({pool.submit(send_one, job(row)): row.id for row in starting})
            else:
                waiting.clear()  # no heartbeat: hand nothing more over, collect what is out
        if not waiting:
            batch.handed_over.set()  # the next batch may start while these come back
        if not running:
            break
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        progress.record(batch, [(running.pop(future), future.result()) for future in finished])


RECORD_TASK = "dialer.tasks.record_sent_messages"


def finish_batch(batch: Batch) -> None:
    """Write the outcomes (rows without one go back to the queue) and drop the journal; sent
    rows become messages in the background (``dialer.messages``: no per-row work here)."""
    finish(batch.dialer.campaign_id, batch.token, batch.rows, batch.outcomes, batch.numbers)
    batch.journal.close()
    if any(outcome.state == S.SENT for outcome in batch.outcomes.values()):
        publish(RECORD_TASK, batch.dialer.campaign_id)  # lost: the sweeper records them


RECHECK_SECONDS = 1.0


def ready_dialer(dialer_id: int) -> Dialer | None:
    dialer = Dialer.objects.select_related("provider").filter(pk=dialer_id).first()
    return dialer if dialer is not None and may_send(dialer) else None


def send_for(dialer_id: int, seconds: float) -> bool:
    """Send batches for one dialer for up to ``seconds`` while it may send (running, enabled,
    provider not resting, inside its schedules: checked again at least every second, so a Stop
    takes effect within a second plus the batch in hand). True when time ran out with rows
    possibly left.

    Pipelined: a batch runner thread sends batch N while this thread writes the outcomes of
    batch N-1 and claims batch N+1, so the database round trips overlap the provider's; and
    batch N+1 starts as soon as batch N has handed over its last row, so the senders never
    wait for a batch's slowest send to come back.
    """
    deadline = time.monotonic() + seconds
    dialer = ready_dialer(dialer_id)
    if dialer is None:
        return False
    checked_at = time.monotonic()
    mode = SendMode()
    waiting = prepare_batch(dialer)
    out: list[tuple[Batch, Future[None]]] = []  # handed over; their last sends may be out
    try:
        while waiting is not None:
            current, waiting = waiting, None
            sending = batch_runners().submit(send_batch, current, mode)
            while out:
                # An exception here leaves that batch to recovery: some rows may be in flight.
                out[0][1].result()
                finish_batch(out.pop(0)[0])
            if time.monotonic() - checked_at >= RECHECK_SECONDS:
                dialer, checked_at = ready_dialer(dialer_id), time.monotonic()
            if dialer is not None and time.monotonic() < deadline:
                waiting = prepare_batch(dialer)
            out.append((current, sending))
            _handed_over(current, sending)
            if current.halted:
                return False
            if waiting is not None and time.monotonic() - checked_at >= RECHECK_SECONDS:
                # Stopped (or closed) while ``current`` was sending: ``waiting`` is not sent.
                dialer, checked_at = ready_dialer(dialer_id), time.monotonic()
                if dialer is None:
                    break
    finally:
        for batch, sending in out:
            if sending.exception() is None:  # waits for its last sends
                finish_batch(batch)
        if waiting is not None:  # claimed ahead and never sent
            finish_batch(waiting)
    return dialer is not None and time.monotonic() >= deadline


def _handed_over(batch: Batch, sending: Future[None]) -> None:
    """Wait until the batch has no row left to hand over (or its sending failed: raised)."""
    while not batch.handed_over.wait(RECHECK_SECONDS):
        if sending.done():
            break
    if sending.done():
        sending.result()
