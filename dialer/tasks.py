from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import translation

from contactcenter.publishing import publish
from dialer.dispatch import dialers_to_run, refresh_slot, release_slot, take_slot
from dialer.messages import record_sent_rows
from dialer.recovery import recover_abandoned_batches
from dialer.sending import send_for
from dialer.services import run_spool_deletion
from dialer.upload_jobs import run_upload


@shared_task(ignore_result=True)
def tick() -> None:
    """Every few seconds (beat): settle dead workers' batches, start batch tasks where needed."""
    recover_abandoned_batches()
    start_batches()


def start_batches() -> int:
    """Publish a batch task for every free slot of every dialer with rows to send; returns how
    many. A publish that fails gives its slot back (the next tick tries again)."""
    started = 0
    for dialer in dialers_to_run():
        while take_slot(dialer.pk):
            if not publish(send_batches, dialer.pk):
                release_slot(dialer.pk)
                return started
            started += 1
    return started


@shared_task(ignore_result=True, acks_late=False)
def send_batches(dialer_id: int) -> None:
    """Send batches for one dialer for up to DIALER_TASK_SECONDS, then hand over to a fresh task.

    Not acknowledged late: a task redelivered after a crash must not resend anything; crashed
    batches are settled by recovery instead."""
    more = False
    try:
        refresh_slot(dialer_id)
        more = send_for(dialer_id, settings.DIALER_TASK_SECONDS)
    finally:
        release_slot(dialer_id)
        if more and take_slot(dialer_id) and not publish(send_batches, dialer_id):
            release_slot(dialer_id)


@shared_task(ignore_result=True)
def process_upload(upload_id: int, language: str | None = None) -> None:
    """``language``: the uploader's, for the error messages (the sweeper's resumes use the
    default language)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        run_upload(upload_id)


@shared_task(ignore_result=True)
def delete_unprocessed_rows(deletion_id: int) -> None:
    run_spool_deletion(deletion_id)


RECORD_PER_TASK = 5000


@shared_task(ignore_result=True)
def record_sent_messages(campaign_id: int) -> None:
    """Sent rows of the campaign become messages (``dialer.messages``); a long backlog goes on
    in a fresh task, so other work on the queue is not held for long."""
    if record_sent_rows(campaign_id=campaign_id, most=RECORD_PER_TASK) >= RECORD_PER_TASK:
        publish(record_sent_messages, campaign_id)
