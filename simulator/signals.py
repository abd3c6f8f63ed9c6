"""Receivers: what a Sandbox provider sends is recorded here (the adapter, lower down, cannot
import this app)."""

from __future__ import annotations

from typing import Any

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
    record_send(
        provider_id=provider_id,
        message=message,
        provider_message_id=provider_message_id,
        segments=segments,
    )
