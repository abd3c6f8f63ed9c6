"""Delivery status of an outbound message, normalised across providers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    UNKNOWN = "unknown", _("No report yet")
    ACCEPTED = "accepted", _("Accepted by the provider")
    SENT = "sent", _("Sent to the network")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    UNDELIVERED = "undelivered", _("Undelivered")
    EXPIRED = "expired", _("Expired")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


FINAL = frozenset(
    {
        DeliveryStatus.DELIVERED,
        DeliveryStatus.READ,
        DeliveryStatus.UNDELIVERED,
        DeliveryStatus.EXPIRED,
        DeliveryStatus.REJECTED,
        DeliveryStatus.FAILED,
    }
)
# Order of progress: a late intermediate report never overwrites a later state.
RANK = {
    DeliveryStatus.UNKNOWN: 0,
    DeliveryStatus.ACCEPTED: 1,
    DeliveryStatus.SENT: 2,
    **dict.fromkeys(FINAL - {DeliveryStatus.READ}, 3),
    DeliveryStatus.READ: 4,
}


def should_replace(current: str, new: str) -> bool:
    return RANK[DeliveryStatus(new)] >= RANK[DeliveryStatus(current)]


def rank_sql(column: str) -> str:
    """RANK as SQL, for statements that pick or compare reports in the database."""
    cases = " ".join(f"WHEN '{status.value}' THEN {rank}" for status, rank in RANK.items())
    return f"(CASE {column} {cases} ELSE 0 END)"
