"""Delivery reports for messages the dialer sent update their spool rows (forward only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.dispatch import receiver

from dialer.models import Dialer, SpoolRow
from providers.delivery import should_replace
from providers.reports import best_reports
from providers.services import delivery_reports_received


@receiver(delivery_reports_received)
def follow_spool_rows(sender: Any, provider: Any, reports: list, **kwargs: Any) -> None:
    by_id = {r.provider_message_id: r for r in reports}
    rows = SpoolRow.objects.filter(
        provider_message_id__in=list(by_id), campaign__dialer__provider=provider
    )
    _move_forward(rows, by_id)


def apply_early_reports(campaign_id: int, records: list[dict[str, Any]]) -> None:
    """Reports that arrived before the write-back recorded these rows' provider ids (the
    portable write-back; PostgreSQL's does the same inside its one statement)."""
    ids = {r["provider_message_id"]: r["id"] for r in records if r["provider_message_id"]}
    dialer = Dialer.objects.filter(campaign_id=campaign_id).values_list("provider_id", flat=True)
    best = best_reports(dialer.first(), list(ids)) if ids else {}
    _move_forward(SpoolRow.objects.filter(id__in=[ids[i] for i in best]), best)


def _move_forward(rows: Iterable[SpoolRow], reports: Mapping[str, Any]) -> None:
    """Give each row its report's status (``reports`` by provider message id), forward only."""
    for row in rows:
        report = reports[row.provider_message_id]
        if should_replace(row.delivery_status, report.status):
            SpoolRow.objects.filter(pk=row.pk).update(delivery_status=report.status)
