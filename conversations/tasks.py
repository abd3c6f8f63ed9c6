"""Conversations' tasks (routing queue): three lines each, the work is in the services."""

from __future__ import annotations

from celery import shared_task

from conversations import routing
from conversations.assignment import assign_waiting, campaigns_with_queue
from conversations.outbound import send_queued
from conversations.presence import expire_absent


@shared_task(acks_late=True)
def route_messages(message_ids: list[int]) -> None:
    for message_id in sorted(message_ids):
        routing.route_message(message_id)


@shared_task(acks_late=True)
def route_pending() -> None:
    routing.drain_pending()


@shared_task(acks_late=True)
def send_message(message_id: int) -> None:
    send_queued(message_id)


@shared_task
def assign_campaign(campaign_id: int) -> None:
    assign_waiting(campaign_id)


@shared_task
def route_unrouted() -> None:
    routing.route_unrouted()


@shared_task
def tick() -> None:
    """Every few seconds: agents whose presence lapsed are disconnected; campaigns that opened
    (or whose queue waits for any other reason) assign what they can."""
    expire_absent()
    for campaign_id in campaigns_with_queue():
        assign_waiting(campaign_id)
