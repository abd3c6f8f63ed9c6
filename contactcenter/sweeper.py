"""The sweeper: resumes stored work that nobody took.

Nothing depends on a Celery publish succeeding (``contactcenter.publishing``): a request stores its
work and answers, and when the publish after commit fails (Redis away) the work waits, stored.
The sweeper runs on beat (SWEEP_EVERY seconds) and once when a worker starts, and hands every
piece of work older than SWEEP_AFTER_SECONDS and still unprocessed to its usual task again:
inbound messages still pending routing, uploads still queued (or left half-way by a worker that
died), operators' requests to delete unprocessed rows, sent spool rows not yet recorded as
messages, running dialers with rows to send and no batch task (the dialer's own tick, which also
settles dead workers' batches).

One function per kind of work. Runs never overlap (a Redis lock), and a piece of work resumed is
not handed over again for RESUMED_TTL seconds (its task may simply be waiting in a busy queue);
the tasks themselves take each piece once, so a second hand-over does nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import redis
from celery import Task
from django.conf import settings
from django.utils import timezone

from contactcenter.publishing import publish
from contactcenter.redis_client import redis_client

logger = logging.getLogger("contactcenter.sweeper")

LOCK = "cc:sweeper:lock"
LOCK_SECONDS = 300
RESUMED_TTL = 300
MOST_PER_RUN = 5000  # pieces of one kind handed over per run; the next run takes the rest
CHUNK = 500  # inbound messages per routing task
RECENT = timedelta(days=1)  # beat runs look this far back; the run at worker start looks at all


def stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.SWEEP_AFTER_SECONDS)


def not_resumed_lately(kind: str, ids: Iterable[int]) -> list[int]:
    """The ids not handed over by a sweep in the last RESUMED_TTL seconds (marking them now)."""
    ids = list(ids)
    pipe = redis_client().pipeline(transaction=False)
    for pk in ids:
        pipe.set(f"cc:sweeper:{kind}:{pk}", 1, nx=True, ex=RESUMED_TTL)
    return [pk for pk, fresh in zip(ids, pipe.execute(), strict=True) if fresh]


def forget_resumed(kind: str, ids: Iterable[int]) -> None:
    """A hand-over failed: let the next run try these again."""
    keys = [f"cc:sweeper:{kind}:{pk}" for pk in ids]
    if keys:
        redis_client().delete(*keys)


def hand_over(kind: str, task: Task | str, ids: Iterable[int], chunk: int = 0) -> int:
    """Publish ``task`` for the ids not handed over lately: one id per task, or lists of up to
    ``chunk`` ids. Returns how many were handed over; at the first failed publish the rest is
    left for the next run."""
    ids = not_resumed_lately(kind, ids)
    for start in range(0, len(ids), chunk or 1):
        if not publish(task, ids[start : start + chunk] if chunk else ids[start]):
            forget_resumed(kind, ids[start:])
            return start
    return len(ids)


def resume_inbound(full: bool = False) -> int:
    """Inbound messages stored but still waiting for routing: route them (their usual task)."""
    from conversations.models import Message
    from conversations.states import Routing
    from conversations.tasks import route_messages

    pending = Message.objects.filter(routing=Routing.PENDING, created_at__lt=stale_before())
    if not full:
        pending = pending.filter(created_at__gte=timezone.now() - RECENT)
    ids = pending.order_by("created_at").values_list("pk", flat=True)[:MOST_PER_RUN]
    return hand_over("inbound", route_messages, ids, chunk=CHUNK)


def resume_outbound(full: bool = False) -> int:
    """Replies stored as queued whose send task was lost (also a next try after a temporary
    error, counted from that try: ``status_at``): send them (their usual task, which sends
    nothing before its time). Replies left ``sending`` by a worker that died are failed as of
    unknown fate, never sent again blindly (``conversations.outbound.fail_stuck_sends``)."""
    from django.db.models import Q

    from conversations.models import Message
    from conversations.outbound import fail_stuck_sends
    from conversations.states import Delivery
    from conversations.tasks import send_message

    fail_stuck_sends()
    stale = stale_before()
    queued = Message.objects.filter(delivery=Delivery.QUEUED).filter(
        Q(status_at__isnull=True, created_at__lt=stale) | Q(status_at__lt=stale)
    )
    if not full:
        queued = queued.filter(created_at__gte=timezone.now() - RECENT)
    ids = queued.order_by("created_at").values_list("pk", flat=True)[:MOST_PER_RUN]
    return hand_over("outbound", send_message, ids)


def resume_uploads(full: bool = False) -> int:
    """Uploads stored but never finished: still queued, or left half-way by a worker that died
    (no job holds them): check and load them (their usual task)."""
    from dialer.models import SpoolUpload
    from dialer.tasks import process_upload
    from dialer.upload_jobs import UNFINISHED, is_running

    unfinished = SpoolUpload.objects.filter(state__in=UNFINISHED, created_at__lt=stale_before())
    ids = [
        pk
        for pk in unfinished.order_by("created_at").values_list("pk", flat=True)[:MOST_PER_RUN]
        if not is_running(pk)
    ]
    return hand_over("upload", process_upload, ids)


def resume_deletions(full: bool = False) -> int:
    """Operators' requests to delete unprocessed rows, stored but never finished: carry them out
    (their usual task)."""
    from dialer.models import SpoolDeletion

    ids = (
        SpoolDeletion.objects.filter(finished_at__isnull=True, created_at__lt=stale_before())
        .order_by("created_at")
        .values_list("pk", flat=True)[:MOST_PER_RUN]
    )
    return hand_over("deletion", "dialer.tasks.delete_unprocessed_rows", ids)


def resume_sent_rows(full: bool = False) -> int:
    """Sent spool rows that are no message yet (their task was lost, or they were sent before
    spool rows became messages): record them (their usual task, per campaign)."""
    from dialer.messages import campaigns_to_record

    ids = campaigns_to_record(stale_before())[:MOST_PER_RUN]
    return hand_over("sent_rows", "dialer.tasks.record_sent_messages", ids)


def resume_dialers(full: bool = False) -> int:
    """Running dialers with rows to send: settle dead workers' batches and start batch tasks
    where slots are free (the dialer's watchdog, ``dialer.tasks.tick``, run here as well)."""
    from dialer.recovery import recover_abandoned_batches
    from dialer.tasks import start_batches

    recover_abandoned_batches()
    return start_batches()


def resume_sandbox_reports(full: bool = False) -> int:
    """Messages a Sandbox provider accepted whose next delivery report is overdue (its task was
    lost): play it (their usual task, ``simulator.deliveries``)."""
    from simulator.deliveries import REPORT_TASK, stalled

    return hand_over("sandbox", REPORT_TASK, stalled(MOST_PER_RUN))


def resume_exports(full: bool = False) -> int:
    """Recordings exports: a running one whose worker died (its heartbeat stopped) is failed for
    the user to retry; a queued one whose task was lost is handed over again."""
    from recordings.exports import TASK, fail_abandoned_exports, queued_exports

    fail_abandoned_exports()
    return hand_over("exports", TASK, queued_exports(stale_before()))


KINDS: dict[str, Callable[..., int]] = {
    "inbound": resume_inbound,
    "outbound": resume_outbound,
    "uploads": resume_uploads,
    "deletions": resume_deletions,
    "sent_rows": resume_sent_rows,
    "dialers": resume_dialers,
    "sandbox": resume_sandbox_reports,
    "exports": resume_exports,
}


def sweep(full: bool = False) -> dict[str, int] | None:
    """One run over every kind of work; None when another run holds the lock. Returns how many
    pieces of each kind were handed over."""
    lock = redis_client().lock(LOCK, timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return None
    resumed: dict[str, int] = {}
    try:
        for kind, resume in KINDS.items():
            try:
                resumed[kind] = resume(full=full)
            except Exception:  # one kind failing must not keep the others waiting
                logger.exception("sweep failed", extra={"kind": kind})
    finally:
        with contextlib.suppress(redis.exceptions.LockError):  # expired meanwhile (a long run)
            lock.release()
    if any(resumed.values()):
        logger.info("stored work resumed", extra={"resumed": resumed})
    return resumed
