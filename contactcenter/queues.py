"""The Celery queues, named in one place.

Dialer batches run for up to DIALER_TASK_SECONDS each, so they get a queue (and workers) of their
own: however many batches are in flight, every other task still finds a free worker. ``routing``
carries what a waiting customer or agent feels (inbound routing, assignment, agents' replies):
its own worker, so uploads, exports and sweeps on ``default`` never delay it.
"""

from __future__ import annotations

DEFAULT = "default"
DIALER = "dialer"
ROUTING = "routing"
ALL = (DEFAULT, DIALER, ROUTING)

# Which queues each kind of worker process consumes (``make run``, docker-compose.yml, the tests).
WORKERS: dict[str, tuple[str, ...]] = {
    "worker": (DEFAULT,),
    "routing": (ROUTING,),
    "dialer": (DIALER,),
}

# Tasks that do not go to the default queue.
ROUTES: dict[str, dict[str, str]] = {
    "dialer.tasks.send_batches": {"queue": DIALER},
    "conversations.tasks.*": {"queue": ROUTING},
    "simulator.tasks.*": {"queue": ROUTING},  # a Sandbox provider's delivery reports
}
