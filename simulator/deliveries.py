"""The Sandbox provider's side: record what it would have sent, then play its delivery reports.

Reports go through ``providers.services.receive_status``, the path a real provider's status
webhook takes (stored as ``DeliveryReport``, applied forward only to the message, the test send
or the spool row that has the id, ``delivery_reports_received`` told to every app), so nothing
downstream knows it was a sandbox. Each delivery is advanced one step per task run: ``sent`` at
once, ``delivered`` SANDBOX_DELIVERED_AFTER seconds later. A report that arrives before the
sender recorded the id is kept and applied when it does (``providers.reports``).

The work is stored first (the row), so a lost publish only delays it: the sweeper hands rows
whose reports stalled back to the task (``stalled``).
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contactcenter.publishing import publish_on_commit
from providers.adapters.base import OutgoingSMS, WebhookRequest
from providers.models import Provider
from providers.services import receive_status
from simulator.models import SandboxDelivery

REPORT_TASK = "simulator.tasks.report_delivery"
NEXT = {
    SandboxDelivery.Reported.NONE: SandboxDelivery.Reported.SENT,
    SandboxDelivery.Reported.SENT: SandboxDelivery.Reported.DELIVERED,
}


def delivered_after() -> float:
    return float(settings.SANDBOX_DELIVERED_AFTER)


def record_send(
    *, provider_id: int | None, message: OutgoingSMS, provider_message_id: str, segments: int
) -> SandboxDelivery | None:
    """Keep what a Sandbox provider accepted and start its reports (after commit). None for an
    adapter without a saved provider (a configuration being tried): nobody could read reports."""
    if provider_id is None or not Provider.objects.filter(pk=provider_id).exists():
        return None
    delivery = SandboxDelivery.objects.create(
        provider_id=provider_id,
        number=message.destination,
        text=message.text,
        encoding=str(message.encoding),
        segments=segments,
        reference=message.reference[:100],
        provider_message_id=provider_message_id,
    )
    publish_on_commit(REPORT_TASK, delivery.pk)
    return delivery


def status_request(provider_message_id: str, status: str) -> WebhookRequest:
    """The status call a provider would make, in the generic format the adapter parses."""
    body = json.dumps({"id": provider_message_id, "status": status, "error": ""}).encode()
    return WebhookRequest(
        method="POST",
        url="sandbox:status",
        headers={"content-type": "application/json"},
        query={},
        form={},
        body=body,
    )


def report_next(delivery_id: int) -> str | None:
    """Play the next delivery report of one delivery; returns the status reported (None: none
    left, or another run took this step). Schedules the step after it."""
    with transaction.atomic():
        delivery = (
            SandboxDelivery.objects.select_for_update()
            .select_related("provider")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.reported not in NEXT:
            return None
        status = NEXT[delivery.reported]
        delivery.reported, delivery.reported_at = status, timezone.now()
        delivery.save(update_fields=["reported", "reported_at"])
        receive_status(
            provider=delivery.provider,
            request=status_request(delivery.provider_message_id, status),
        )
        if status in NEXT:
            publish_on_commit(REPORT_TASK, delivery.pk, countdown=delivered_after())
    return status


def stalled(limit: int) -> list[int]:
    """Deliveries whose next report is overdue by SWEEP_AFTER_SECONDS (its task was lost)."""
    margin = dt.timedelta(seconds=settings.SWEEP_AFTER_SECONDS + delivered_after())
    before = timezone.now() - margin
    waiting = SandboxDelivery.objects.exclude(reported=SandboxDelivery.Reported.DELIVERED)
    return list(
        waiting.filter(created_at__lt=before)
        .exclude(reported_at__gte=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
