"""Retention: messages are kept MESSAGE_RETENTION_DAYS days (None, the default: for ever).

The beat job (``recordings.tasks.apply_retention``) deletes, oldest first, closed interactions
whose last activity is older than that, with their messages and assignments, and inbound
messages no interaction holds (unrouted) as old. It works in chunks of RETENTION_CHUNK
interactions, each its own short transaction that locks only its own rows (``FOR UPDATE SKIP
LOCKED``: a row someone is using now is left for the next run), so routing, replies and webhooks
never wait behind it for more than one chunk's rows, and never for the table. An open
interaction is never deleted, whatever its age.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CASCADE, PROTECT, RESTRICT, SET_NULL, Model, ProtectedError
from django.utils import timezone

from conversations.models import Interaction, Message
from conversations.states import InteractionState, Routing

logger = logging.getLogger("contactcenter.retention")


def cutoff() -> datetime | None:
    days = settings.MESSAGE_RETENTION_DAYS
    if days is None:
        return None
    return timezone.now() - timedelta(days=days)


def delete_chunk(before: datetime, size: int) -> int:
    """Delete up to ``size`` closed interactions last active before ``before`` (with their
    messages and assignments) in one short transaction. Returns how many."""
    with transaction.atomic():
        old = (
            Interaction.objects.filter(
                state=InteractionState.CLOSED, opened_at__lt=before, last_activity_at__lt=before
            )
            .order_by("opened_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:size]
        )
        ids = list(old)
        if not ids:
            return 0
        messages = Message.objects.filter(interaction_id__in=ids)
        _clear_references(Message, messages.values("pk"))
        messages._raw_delete(messages.db)
        _clear_references(Interaction, ids, skip={Message})
        interactions = Interaction.objects.filter(pk__in=ids)
        interactions._raw_delete(interactions.db)
        return len(ids)


def delete_unrouted_chunk(before: datetime, size: int) -> int:
    with transaction.atomic():
        ids = list(
            Message.objects.filter(
                interaction__isnull=True, routing=Routing.UNROUTED, created_at__lt=before
            )
            .order_by("created_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:size]
        )
        if ids:
            messages = Message.objects.filter(pk__in=ids)
            _clear_references(Message, ids)
            messages._raw_delete(messages.db)
        return len(ids)


def _clear_references(
    model: type[Model], keys: object, skip: frozenset | set = frozenset()
) -> None:
    """What points at the rows being deleted, as Django's ``on_delete`` says, done in SQL (a raw
    delete runs none of it): SET_NULL links are cleared (a spool row keeps its history, without
    its message), CASCADE rows go (assignments). Read from the models, so a relation added later
    is handled too; PROTECT raises as Django would."""
    relations = [
        f
        for f in model._meta.get_fields(include_hidden=True)  # related_name="+" too
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
    ]
    for relation in relations:
        related = relation.related_model
        if related in skip or not relation.field.concrete:
            continue
        name = relation.field.name
        rows = related._base_manager.filter(**{f"{name}__in": keys, f"{name}__isnull": False})
        if relation.on_delete is SET_NULL:
            rows.update(**{name: None})
        elif relation.on_delete is CASCADE:
            rows._raw_delete(rows.db)
        elif relation.on_delete in (PROTECT, RESTRICT) and rows.exists():
            raise ProtectedError(f"{related.__name__} protects {model.__name__}", set())


def apply_retention(
    *, before: datetime | None = None, chunk: int | None = None, pause: float | None = None
) -> dict[str, int]:
    """Delete everything older than the retention period, chunk by chunk, pausing between
    chunks so other writers get the disk. Returns how many interactions, unrouted messages and
    chunks."""
    before = before or cutoff()
    size = chunk or settings.RETENTION_CHUNK
    pause = settings.RETENTION_PAUSE if pause is None else pause
    result = {"interactions": 0, "unrouted": 0, "chunks": 0}
    if before is None:
        return result
    for key, step in (("interactions", delete_chunk), ("unrouted", delete_unrouted_chunk)):
        while True:
            deleted = step(before, size)
            if not deleted:
                break
            result[key] += deleted
            result["chunks"] += 1
            if pause:
                time.sleep(pause)
    if result["chunks"]:
        logger.info("retention applied", extra={**result, "vendor": connection.vendor})
    return result
