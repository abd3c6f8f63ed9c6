"""Receivers: what a Sandbox provider sends is recorded here (the adapter, lower down, cannot
import this app)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.dispatch import receiver

from providers.adapters.base import OutgoingSMS
from providers.adapters.sandbox import sandbox_sent
from simulator.deliveries import record_send


@receiver(sandbox_sent)
def sandbox_message_sent(
    sender: Any,
    provider_id: int | None,
    message: OutgoingSMS,
    provider_message_id: str,
    segments: int,
    **kwargs: Any,
) -> None:
    """Record the send. The dialer sends from a pool of threads that otherwise never touch the
    database: a connection this opened in such a thread is closed again, so those threads hold
    none between sends (as a real provider's send would leave them)."""
    opened_here = connection.connection is None
    try:
        record_send(
            provider_id=provider_id,
            message=message,
            provider_message_id=provider_message_id,
            segments=segments,
        )
    finally:
        if opened_here and not connection.in_atomic_block:
            connection.close()
