"""Background work of the reports."""

from __future__ import annotations

from celery import shared_task

from reports.rollups import rebuild_days


@shared_task(name="reports.tasks.rebuild_campaign")
def rebuild_campaign(campaign_id: int) -> int:
    """Recompute one campaign's rollups (every day, one transaction per day), e.g. after its
    thresholds changed."""
    return rebuild_days(campaign_ids=[campaign_id])
