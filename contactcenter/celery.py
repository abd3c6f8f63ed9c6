"""The Celery application: broker and results on Redis in every mode, and the sweeper's task
(on beat, and once whenever a worker starts)."""

from __future__ import annotations

import gc
import os
from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")

app = Celery("contactcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="contactcenter.sweep", ignore_result=True)
def sweep(full: bool = False) -> None:
    """Resume stored work nobody took (``contactcenter.sweeper``)."""
    from contactcenter.sweeper import sweep as run

    run(full=full)


@worker_ready.connect
def sweep_at_worker_start(**kwargs: Any) -> None:
    """A worker that starts (after an outage, a deploy) has the sweeper look at everything."""
    from contactcenter.publishing import publish

    publish(sweep, True)


@worker_init.connect
def load_provider_adapters(**kwargs: Any) -> None:
    """Import every provider SDK before the first task: importing them takes seconds (Infobip's
    client alone about 6 s), which the first reply after a deploy would otherwise wait for.
    Prefork children inherit the loaded modules. They are then frozen out of the garbage
    collector (see contactcenter/asgi.py): full collections stay short."""
    from providers.adapters import registry

    registry()
    gc.freeze()
