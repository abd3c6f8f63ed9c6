"""Celery tasks of the recordings (default queue): exports, their expiry and retention. Thin:
the work is in ``recordings.exports`` and ``recordings.retention``."""

from __future__ import annotations

from celery import shared_task

from recordings import exports, retention


@shared_task(name="recordings.tasks.run_export", ignore_result=True)
def run_export(job_id: int) -> None:
    exports.run_export(job_id)


@shared_task(name="recordings.tasks.apply_retention", ignore_result=True)
def apply_retention() -> None:
    retention.apply_retention()


@shared_task(name="recordings.tasks.expire_exports", ignore_result=True)
def expire_exports() -> None:
    exports.expire_exports()
