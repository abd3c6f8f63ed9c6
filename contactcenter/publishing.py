"""Publishing Celery tasks without depending on the publish.

Redis can restart at any moment. What a request stored is answered as stored; the task that
processes it is published after commit, and a failed publish is logged, never raised to the
client: the sweeper (``contactcenter.sweeper``) resumes stored work that nobody took.

A task is named by its object or by its registered name (``"dialer.tasks.tick"``): a service
publishes its own app's tasks by name, so it never imports the tasks module that calls it
(tasks import services, never the other way round; see docs/architecture.md).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, current_app
from django.db import transaction

logger = logging.getLogger("contactcenter.publishing")

# One quick second try (a pooled connection that went stale when Redis restarted), no more: a
# request must not hang on a broker that is away.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def publish(task: Task | str, *args: Any, **options: Any) -> bool:
    """Publish ``task(*args)`` now; False (logged) when the broker could not take it. Nobody waits
    for the result here, so none is subscribed to (the result backend's own reconnection loop
    would otherwise hold the caller for 20 s while Redis is away)."""
    options.setdefault("ignore_result", True)
    name = task if isinstance(task, str) else task.name
    try:
        if isinstance(task, str):
            current_app.send_task(task, args, retry=True, retry_policy=RETRY_POLICY, **options)
        else:
            task.apply_async(args, retry=True, retry_policy=RETRY_POLICY, **options)
    except Exception as exc:  # any broker or connection error: the work stays stored
        logger.warning(
            "task not published; the sweeper will resume its work",
            extra={"task": name, "error": f"{type(exc).__name__}: {exc}"},
        )
        return False
    return True


def publish_on_commit(task: Task | str, *args: Any, **options: Any) -> None:
    """Publish ``task(*args)`` once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish(task, *args, **options))
