"""Inbound messages from webhooks: stored in PostgreSQL first (once each, however often the
provider retries), then routed in the background. Nothing waits on the broker: a message whose
routing task was lost is found by the sweeper (``routing`` still ``pending``)."""

from __future__ import annotations

import contextlib
import logging

from django.db import connection, transaction
from django.utils import timezone
from redis import RedisError

from contactcenter.phones import customer_number
from contactcenter.publishing import publish
from contactcenter.redis_client import redis_client
from conversations.models import Message
from conversations.states import Author, Direction, Routing
from providers.adapters.base import InboundSMS, WebhookRequest
from providers.models import Provider
from providers.services import assemble_parts, is_part, jsonable, read_inbound

ROUTE_TASK = "conversations.tasks.route_messages"
DRAIN_TASK = "conversations.tasks.route_pending"
# Set while a drainer routes pending messages: a webhook publishes a drain task only when it
# finds the flag unset, so a burst of webhooks costs one task, not one each. It expires, so a
# drainer that died leaves nothing stuck (and the sweeper routes what waits, whatever happens).
AWAKE_KEY = "conversations:routing:awake"
AWAKE_SECONDS = 30
# Columns an inbound message is stored with, in one INSERT ... ON CONFLICT DO NOTHING.
COLUMNS = ("direction", "author", "bot_kind", "provider", "provider_message_id", "number", "did",
           "text", "encoding", "segments", "routing", "delivery", "report_status", "error",
           "attempts", "seq", "created_at", "raw")  # fmt: skip

logger = logging.getLogger("contactcenter.routing")


def _insert_new(rows: list[Message]) -> list[tuple[int, str]]:
    """Insert ``rows``; the ids of those that were new (a provider's retry is skipped by the
    unique provider message id, in the same statement: no read first)."""
    fields = [Message._meta.get_field(name) for name in COLUMNS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    # Only names from the model and placeholders are put into the text; values are parameters.
    sql = (
        f"INSERT INTO {quote(Message._meta.db_table)} ({columns}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({quote('provider_id')}, {quote('direction')}, "
        f"{quote('provider_message_id')}) WHERE {quote('provider_message_id')} <> '' "
        f"DO NOTHING RETURNING {quote('id')}, {quote('provider_message_id')}"
    )
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection)
        for row in rows
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1]) for row in cursor.fetchall()]


def store_inbound(*, provider: Provider, messages: list[InboundSMS]) -> list[Message]:
    """Store whole inbound messages; returns the new ones (a retried webhook adds nothing)."""
    if not messages:
        return []
    now = timezone.now()
    rows = [
        Message(
            direction=Direction.IN,
            author=Author.CUSTOMER,
            provider=provider,
            provider_message_id=sms.provider_message_id,
            number=customer_number(sms.sender),
            did=sms.recipient,
            text=sms.text,
            segments=sms.segments,
            routing=Routing.PENDING,
            created_at=now,
            raw={} if sms.raw is None else jsonable(sms.raw),
        )
        for sms in messages
    ]
    by_id = {row.provider_message_id: row for row in rows}
    stored = []
    for pk, key in sorted(_insert_new(rows)):
        by_id[key].pk = pk
        stored.append(by_id[key])
    return stored


def receive_inbound(*, provider: Provider, request: WebhookRequest) -> int:
    """Parse one webhook call, store its messages and wake routing after commit; returns how
    many were new. WebhookError: nothing stored.

    Whole messages go in with one INSERT, which is its own transaction: one round trip to
    PostgreSQL instead of three (BEGIN, INSERT, COMMIT), which is most of a webhook's time.
    Parts of a long message are kept and assembled in one transaction with the store."""
    messages = read_inbound(provider, request)
    parts = any(is_part(sms) for sms in messages)
    with transaction.atomic() if parts else contextlib.nullcontext():
        if parts:
            messages = assemble_parts(provider, messages)
        new = store_inbound(provider=provider, messages=messages)
        if new:
            transaction.on_commit(wake_router)  # at once in autocommit
    return len(new)


def wake_router() -> None:
    """Have a drainer route the pending messages: publish one unless one is awake already.
    Neither Redis nor the broker being away loses anything: the sweeper routes what waits."""
    try:
        if not redis_client().set(AWAKE_KEY, "1", nx=True, ex=AWAKE_SECONDS):
            return
    except RedisError as exc:
        logger.warning("routing not woken; the sweeper will route", extra={"error": str(exc)})
        return
    if not publish(DRAIN_TASK):
        with contextlib.suppress(RedisError):
            redis_client().delete(AWAKE_KEY)


def pending_ids(limit: int) -> list[int]:
    return list(
        Message.objects.filter(routing=Routing.PENDING)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
