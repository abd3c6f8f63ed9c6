"""One conversation record: an Interaction (one customer, one campaign, one provider, from the
first message to its close) and its Messages (every message, both directions).

The inbox, the monitors, the recordings and the reports read these two tables only. Inbound
messages are stored here the moment a webhook delivers them (``interaction`` empty, routing
``pending``) and join an interaction when routing runs; one no campaign takes stays ``unrouted``,
visible and never lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.states import (
    Author,
    BotKind,
    CloseReason,
    Delivery,
    Direction,
    InteractionState,
    Origin,
    Routing,
)
from providers.delivery import DeliveryStatus

OPEN = ~Q(state=InteractionState.CLOSED)


class Interaction(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="interactions"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="interactions"
    )
    number = models.CharField(_("customer number"), max_length=40)  # contactcenter.phones
    state = models.CharField(
        max_length=10, choices=InteractionState.choices, default=InteractionState.QUEUED
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.CUSTOMER)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    # Waiting since: kept when the interaction goes back to its queue (logout, presence lost),
    # so it goes back to the head with its original waiting time.
    queued_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_reply_at = models.DateTimeField(null=True, blank=True)
    last_customer_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    close_reason = models.CharField(max_length=12, choices=CloseReason.choices, blank=True)
    # The out-of-time reply was sent for the closed period that ends at this instant (the next
    # opening): at most one reply per closed period.
    out_of_time_until = models.DateTimeField(null=True, blank=True)
    unread = models.PositiveIntegerField(default=0)  # customer messages the agent has not read
    # Event counter: every change a screen shows takes the next value (messages keep theirs in
    # ``Message.seq``), so a client catches up with ``after=``.
    seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "provider", "number"],
                condition=OPEN,
                name="one_open_interaction_per_customer",
            ),
            models.CheckConstraint(
                condition=~Q(state=InteractionState.ASSIGNED) | Q(agent__isnull=False),
                name="assigned_interaction_has_agent",
            ),
        ]
        indexes = [
            # An agent's list (open first, then recent), by last activity.
            models.Index(fields=["agent", "state", "-last_activity_at"], name="agent_interactions"),
            # A campaign's queue in order.
            models.Index(
                fields=["campaign", "queued_at", "id"],
                condition=Q(state=InteractionState.QUEUED),
                name="campaign_queue",
            ),
            # A customer's history.
            models.Index(fields=["number", "-opened_at"], name="customer_history"),
            # Recordings by date, by campaign and date, by agent and date.
            models.Index(fields=["-opened_at", "-id"], name="interactions_by_date"),
            models.Index(fields=["campaign", "-opened_at"], name="campaign_interactions"),
            # The board's "completed today" at any amount of history.
            models.Index(
                fields=["campaign", "closed_at"],
                condition=Q(state=InteractionState.CLOSED),
                name="campaign_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} in {self.campaign_id}: {self.state}"


class Message(models.Model):
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    author = models.CharField(max_length=10, choices=Author.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    bot_kind = models.CharField(max_length=12, choices=BotKind.choices, blank=True)
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="messages"
    )
    provider_message_id = models.CharField(max_length=200, blank=True)
    number = models.CharField(max_length=40)  # the customer, normalised
    # Inbound: the number or port the customer wrote to (routing finds the campaign by it).
    did = models.CharField(max_length=60, blank=True)
    text = models.TextField(blank=True)
    encoding = models.CharField(max_length=10, blank=True)
    segments = models.PositiveIntegerField(default=1)
    routing = models.CharField(max_length=10, choices=Routing.choices, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, blank=True)
    report_status = models.CharField(
        max_length=15, choices=DeliveryStatus.choices, default=DeliveryStatus.UNKNOWN
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    seq = models.BigIntegerField(default=0)  # the interaction's event counter at its last change
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            # A webhook retried by the provider never makes a second message.
            models.UniqueConstraint(
                fields=["provider", "direction", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="unique_provider_message_id",
            ),
            models.CheckConstraint(
                condition=Q(direction=Direction.IN, author=Author.CUSTOMER)
                | Q(direction=Direction.OUT, author__in=[Author.AGENT, Author.BOT]),
                name="message_author_matches_direction",
            ),
        ]
        indexes = [
            models.Index(fields=["interaction", "id"], name="interaction_messages"),
            models.Index(fields=["interaction", "seq"], name="interaction_changes"),
            models.Index(
                fields=["created_at"],
                condition=Q(routing__in=[Routing.PENDING, Routing.UNROUTED]),
                name="messages_to_route",
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(delivery__in=[Delivery.QUEUED, Delivery.SENDING]),
                name="messages_to_send",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.number}: {self.text[:30]}"


class Assignment(models.Model):
    """Who held an interaction, from when to when: reports, recordings' agents, and the proof
    (in tests) that nobody ever held more than the maximum."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    # closed, requeued (logout / presence lost)
    release_reason = models.CharField(max_length=12, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["interaction"],
                condition=Q(released_at__isnull=True),
                name="one_holder_per_interaction",
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "-assigned_at"], name="campaign_assignments"),
            models.Index(fields=["agent", "-assigned_at"], name="agent_assignments"),
        ]

    def __str__(self) -> str:
        return f"{self.interaction_id} → {self.agent_id}"
