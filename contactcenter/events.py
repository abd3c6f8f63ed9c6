"""Real-time events: services publish, websocket consumers forward to browsers.

Publishing goes through the Redis channel layer, so an event raised in a Celery worker reaches a
browser connected to any web process.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def publish_now(group: str, kind: str, payload: dict[str, Any]) -> None:
    """Send one event to every browser subscribed to ``group``."""
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(
        group, {"type": "event.forward", "kind": kind, "payload": payload}
    )


def publish(group: str, kind: str, payload: dict[str, Any]) -> None:
    """Send the event once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish_now(group, kind, payload))
