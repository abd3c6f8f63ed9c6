"""What the Sandbox provider type would have sent, and how far its delivery reports got."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SandboxDelivery(models.Model):
    """One message a Sandbox provider accepted (``providers.adapters.sandbox``): the number and
    text that would have gone on the wire, the provider message id it was given, and the last
    delivery report played for it (``reported``: nothing yet, ``sent``, ``delivered``)."""

    class Reported(models.TextChoices):
        NONE = "", "none"
        SENT = "sent", "sent"
        DELIVERED = "delivered", "delivered"

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="sandbox_deliveries"
    )
    number = models.CharField(max_length=40)
    text = models.TextField()
    encoding = models.CharField(max_length=10, blank=True)
    segments = models.PositiveIntegerField(default=1)
    reference = models.CharField(max_length=100, blank=True)  # the sender's own id for it
    provider_message_id = models.CharField(max_length=60, unique=True)
    reported = models.CharField(max_length=10, choices=Reported.choices, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="sandbox_unreported",
                condition=~models.Q(reported="delivered"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_message_id} to {self.number}"
