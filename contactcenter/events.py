"""Real-time events: services publish, websocket consumers forward to browsers.

Publishing goes through the Redis channel layer, so an event raised in a Celery worker reaches a
browser connected to any web process. Events are hints for screens (the state is in the
database), so a failure to publish is logged and never breaks the change that raised it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger("contactcenter.events")


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def _running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def publish_now(group: str, kind: str, payload: dict[str, Any]) -> None:
    """Send one event to every browser subscribed to ``group``."""
    message = {"type": "event.forward", "kind": kind, "payload": payload}
    layer = get_channel_layer()
    try:
        if _running_loop():
            # Called from code that runs inside an event loop's thread: send from a helper thread.
            worker = threading.Thread(target=lambda: asyncio.run(layer.group_send(group, message)))
            worker.start()
            worker.join(timeout=5)
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # a screen hint must not break the change that raised it
        logger.exception("event not published", extra={"group": group, "kind": kind})


def publish(group: str, kind: str, payload: dict[str, Any]) -> None:
    """Send the event once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish_now(group, kind, payload))
