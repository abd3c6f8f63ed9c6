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


QUEUE_PREFIX = "queue."


def queue_group(campaign_id: int) -> str:
    """Only the campaign's queue length (its member agents' inboxes): agents never see the
    campaign's other interactions."""
    return f"{QUEUE_PREFIX}{campaign_id}"


# Events waiting for the publisher, at most this many (Redis away): beyond it they are dropped
# and logged. They are hints; what they say is in the database.
BACKLOG = 10_000
SEND_TIMEOUT = 5.0

_loop: asyncio.AbstractEventLoop | None = None
_queue: asyncio.Queue | None = None
_loop_pid = 0
_loop_lock = threading.Lock()


def _publisher() -> tuple[asyncio.AbstractEventLoop, asyncio.Queue]:
    """One event loop per process, in its own thread, sending every event of synchronous code
    in the order it was raised, one after another.

    The Redis channel layer keeps a connection pool per event loop; a new loop per publish
    (``async_to_sync``) would open, and leak, a pool each time in long-running workers. The
    caller does not wait for Redis: a change that raises a thousand events (an assignment pass)
    hands them over and goes on."""
    global _loop, _queue, _loop_pid
    with _loop_lock:
        # A forked child (Celery prefork) has the loop object but not its thread: start anew.
        if _loop is None or _loop.is_closed() or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="events-publisher", daemon=True).start()
            _queue = asyncio.run_coroutine_threadsafe(_start(), loop).result(timeout=5)
            _loop, _loop_pid = loop, os.getpid()
        return _loop, _queue  # type: ignore[return-value]


async def _start() -> asyncio.Queue:
    queue: asyncio.Queue = asyncio.Queue(maxsize=BACKLOG)
    task = asyncio.get_running_loop().create_task(_deliver(queue))
    _start.task = task  # type: ignore[attr-defined]  (kept referenced while it runs)
    return queue


async def _deliver(queue: asyncio.Queue) -> None:
    layer = get_channel_layer()
    while True:
        group, message = await queue.get()
        try:
            await asyncio.wait_for(layer.group_send(group, message), SEND_TIMEOUT)
        except Exception:  # a screen hint must not break anything
            logger.exception(
                "event not published", extra={"group": group, "kind": message.get("kind")}
            )


def _enqueue(queue: asyncio.Queue, item: tuple[str, dict[str, Any]]) -> None:
    try:
        queue.put_nowait(item)
    except asyncio.QueueFull:
        logger.warning("event dropped: publisher backlog full", extra={"group": item[0]})


def _send(group: str, message: dict[str, Any]) -> None:
    try:
        loop, queue = _publisher()
        loop.call_soon_threadsafe(_enqueue, queue, (group, message))
    except Exception:  # a screen hint must not break the change that raised it
        logger.exception("event not published", extra={"group": group, "kind": message.get("kind")})


def publish_now(group: str, kind: str, payload: dict[str, Any]) -> None:
    """Send one event to every browser subscribed to ``group``."""
    _send(group, {"type": "event.forward", "kind": kind, "payload": payload})


def publish(group: str, kind: str, payload: dict[str, Any]) -> None:
    """Send the event once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish_now(group, kind, payload))


def refresh_memberships(user_id: int) -> None:
    """After commit, the user's sockets follow the queues of their campaigns as they are now
    (an agent joined or left a campaign)."""
    transaction.on_commit(lambda: _send(user_group(user_id), {"type": "memberships.changed"}))


def end_sockets(user_id: int, session_key: str | None = None) -> None:
    """After commit, close the user's sockets opened with ``session_key`` (every socket of the
    user when None: a forced logout). Their pages reconnect and are refused until a new login."""
    message = {"type": "session.ended", "session": session_key}
    transaction.on_commit(lambda: _send(user_group(user_id), message))
