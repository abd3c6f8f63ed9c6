"""Simulator tasks (routing queue: delivery ticks are what an agent waits for)."""

from __future__ import annotations

from celery import shared_task

from simulator.deliveries import report_next


@shared_task(acks_late=True)
def report_delivery(delivery_id: int) -> None:
    report_next(delivery_id)
