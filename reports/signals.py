"""A campaign whose service-level or abandon threshold changed gets its rollups recomputed in
the background, so its whole history is counted with the thresholds it has now (the triggers
apply a campaign's current thresholds as rows change; without this, figures written before the
change would keep the old ones)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from campaigns.models import Campaign
from contactcenter.publishing import publish_on_commit

THRESHOLDS = ("threshold_service_level", "threshold_abandon")


@receiver(pre_save, sender=Campaign, dispatch_uid="reports_thresholds_before")
def remember_thresholds(sender: type, instance: Campaign, **kwargs: Any) -> None:
    if instance.pk is None:
        return
    instance._reports_thresholds = (
        Campaign.objects.filter(pk=instance.pk).values_list(*THRESHOLDS).first()
    )


@receiver(post_save, sender=Campaign, dispatch_uid="reports_thresholds_after")
def rebuild_when_thresholds_change(
    sender: type, instance: Campaign, created: bool, **kwargs: Any
) -> None:
    before = getattr(instance, "_reports_thresholds", None)
    if created or before is None:
        return
    if before != tuple(getattr(instance, name) for name in THRESHOLDS):
        publish_on_commit("reports.tasks.rebuild_campaign", instance.pk)
