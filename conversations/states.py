"""The states of an interaction and of a message's delivery, and the moves allowed between them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from providers.delivery import DeliveryStatus


class InteractionState(models.TextChoices):
    QUEUED = "queued", _("Waiting for an agent")
    ASSIGNED = "assigned", _("With an agent")
    CLOSED = "closed", _("Closed")


INTERACTION_MOVES: dict[str, frozenset[str]] = {
    InteractionState.QUEUED: frozenset({InteractionState.ASSIGNED, InteractionState.CLOSED}),
    # Back to queued: the agent logged out or lost presence (requeued at the head).
    InteractionState.ASSIGNED: frozenset({InteractionState.QUEUED, InteractionState.CLOSED}),
    InteractionState.CLOSED: frozenset(),
}


def can_move(current: str, new: str) -> bool:
    return new in INTERACTION_MOVES[current]


class CloseReason(models.TextChoices):
    AGENT = "agent", _("Closed by the agent")
    SUPERVISOR = "supervisor", _("Closed by a supervisor")
    OUTBOUND = "outbound", _("Sent without a conversation (dialer, SendSMS)")
    EXPIRED = "expired", _("Closed after waiting without an agent")


class Origin(models.TextChoices):
    """Who opened the interaction."""

    CUSTOMER = "customer", _("The customer wrote")
    AGENT = "agent", _("An agent started it")
    DIALER = "dialer", _("A dialer message")
    SENDSMS = "sendsms", _("A SendSMS message")


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("To the customer")


class Author(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot / system")


class BotKind(models.TextChoices):
    """What sent a bot message."""

    OUT_OF_TIME = "out_of_time", _("Out-of-time reply")
    DIALER = "dialer", _("Dialer message")
    SENDSMS = "sendsms", _("SendSMS message")


class Delivery(models.TextChoices):
    """What a screen shows of an outbound message; ``report_status`` keeps the detail."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


def delivery_for(status: str) -> str:
    """The shown delivery state of a provider's (normalised) report status."""
    if status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
        return Delivery.DELIVERED
    if status in (
        DeliveryStatus.UNDELIVERED,
        DeliveryStatus.EXPIRED,
        DeliveryStatus.REJECTED,
        DeliveryStatus.FAILED,
    ):
        return Delivery.FAILED
    return Delivery.SENT


class Routing(models.TextChoices):
    """Where an inbound message stands on its way to an interaction."""

    PENDING = "pending", _("Waiting for routing")
    ROUTED = "routed", _("In an interaction")
    UNROUTED = "unrouted", _("No campaign takes it")
