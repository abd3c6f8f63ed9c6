"""Real-time events: services publish, websocket consumers forward to browsers.

Publishing goes through the Redis channel layer, so an event raised in a Celery worker reaches a
browser connected to any web process. Events are hints for screens (the state is in the
database), so a failure to publish is logged and never breaks the change that raised it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger("contactcenter.events")


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def campaign_group(campaign_id: int) -> str:
    """Everything about a campaign's interactions (monitors, supervisors)."""
    return f"campaign.{campaign_id}"


def queue_group(campaign_id: int) -> str:
    """Only the campaign's queue length (its member agents' inboxes): agents never see the
    campaign's other interactions."""
    return f"queue.{campaign_id}"


_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_loop_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in its own thread, for every publish from synchronous code.

    The Redis channel layer keeps a connection pool per event loop; a new loop per publish
    (``async_to_sync``) would open, and leak, a pool each time in long-running workers."""
    global _loop, _loop_pid
    with _loop_lock:
        # A forked child (Celery prefork) has the loop object but not its thread: start anew.
        if _loop is None or _loop.is_closed() or _loop_pid != os.getpid():
            _loop, _loop_pid = asyncio.new_event_loop(), os.getpid()
            threading.Thread(target=_loop.run_forever, name="events-publisher", daemon=True).start()
        return _loop


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    try:
        future = asyncio.run_coroutine_threadsafe(
            layer.group_send(group, message), _publisher_loop()
        )
        future.result(timeout=5)
    except Exception:  # a screen hint must not break the change that raised it
        logger.exception("event not published", extra={"group": group, "kind": message.get("kind")})


def publish_now(group: str, kind: str, payload: dict[str, Any]) -> None:
    """Send one event to every browser subscribed to ``group``."""
    _send(group, {"type": "event.forward", "kind": kind, "payload": payload})


def publish(group: str, kind: str, payload: dict[str, Any]) -> None:
    """Send the event once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish_now(group, kind, payload))


def end_sockets(user_id: int, session_key: str | None = None) -> None:
    """After commit, close the user's sockets opened with ``session_key`` (every socket of the
    user when None: a forced logout). Their pages reconnect and are refused until a new login."""
    message = {"type": "session.ended", "session": session_key}
    transaction.on_commit(lambda: _send(user_group(user_id), message))
