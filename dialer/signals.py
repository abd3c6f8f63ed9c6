"""Delivery reports for messages the dialer sent update their spool rows (forward only)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dialer.models import SpoolRow
from providers.delivery import should_replace
from providers.services import delivery_reports_received


@receiver(delivery_reports_received)
def follow_spool_rows(sender: Any, provider: Any, reports: list, **kwargs: Any) -> None:
    by_id = {r.provider_message_id: r for r in reports}
    rows = SpoolRow.objects.filter(
        provider_message_id__in=list(by_id), campaign__dialer__provider=provider
    )
    for row in rows:
        report = by_id[row.provider_message_id]
        if should_replace(row.delivery_status, report.status):
            SpoolRow.objects.filter(pk=row.pk).update(delivery_status=report.status)
