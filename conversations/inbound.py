"""Inbound messages from webhooks: stored in PostgreSQL first (once each, however often the
provider retries), then routed in the background. Nothing waits on the broker: a message whose
routing task was lost is found by the sweeper (``routing`` still ``pending``)."""

from __future__ import annotations

from django.db import transaction

from contactcenter.phones import customer_number
from contactcenter.publishing import publish_on_commit
from conversations.models import Message
from conversations.states import Author, Direction, Routing
from providers.adapters.base import InboundSMS, WebhookRequest
from providers.models import Provider
from providers.services import jsonable, parse_inbound

ROUTE_TASK = "conversations.tasks.route_messages"


def store_inbound(*, provider: Provider, messages: list[InboundSMS]) -> list[Message]:
    """Store whole inbound messages; returns the new ones (a retried webhook adds nothing)."""
    stored: list[Message] = []
    for sms in messages:
        message, created = Message.objects.get_or_create(
            provider=provider,
            direction=Direction.IN,
            provider_message_id=sms.provider_message_id,
            defaults={
                "author": Author.CUSTOMER,
                "number": customer_number(sms.sender),
                "did": sms.recipient,
                "text": sms.text,
                "segments": sms.segments,
                "routing": Routing.PENDING,
                "raw": {} if sms.raw is None else jsonable(sms.raw),
            },
        )
        if created:
            stored.append(message)
    return stored


@transaction.atomic
def receive_inbound(*, provider: Provider, request: WebhookRequest) -> list[Message]:
    """Parse one webhook call, store its messages and hand the new ones to routing after
    commit. WebhookError: nothing stored."""
    stored = store_inbound(provider=provider, messages=parse_inbound(provider, request))
    if stored:
        publish_on_commit(ROUTE_TASK, [m.pk for m in stored])
    return stored
