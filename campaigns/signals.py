"""Receivers: what campaigns do when a lower app tells them something."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from campaigns.tasks import route_inbound_messages
from contactcenter.publishing import publish_on_commit
from providers.services import inbound_messages_stored


@receiver(inbound_messages_stored)
def route_stored_messages(sender: Any, messages: list, **kwargs: Any) -> None:
    """Queue the routing of inbound messages just stored, after commit. Stored, so answered as
    stored: if Redis is away the sweeper routes them later."""
    publish_on_commit(route_inbound_messages, [m.pk for m in messages])
