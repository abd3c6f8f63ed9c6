"""Delivery status of an outbound message, normalised across providers."""

from typing import Any

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


# Delivery reports are all kept (providers.models.DeliveryReport), also those that arrive before
# the message's provider id is recorded: whoever records an id (a single send, the dialer's
# write-back) applies the best report already received for it. The best is the furthest state,
# the latest among equals: the state that applying the reports one by one in order gives.
def best_reports(provider_id: int, message_ids: list[str]) -> dict[str, Any]:
    """The best DeliveryReport received so far for each of ``message_ids`` that has one."""
    from providers.models import DeliveryReport

    best: dict[str, Any] = {}
    ids = [i for i in message_ids if i]
    if not ids:
        return best
    for report in DeliveryReport.objects.filter(
        provider_id=provider_id, provider_message_id__in=ids
    ).order_by("received_at", "pk"):
        current = best.get(report.provider_message_id)
        if current is None or should_replace(current.status, report.status):
            best[report.provider_message_id] = report
    return best
