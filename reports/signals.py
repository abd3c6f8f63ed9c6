"""A campaign whose service-level or abandon threshold changed gets its rollups recomputed in
the background, so its whole history is counted with the thresholds it has now (the triggers
apply a campaign's current thresholds as rows change; without this, figures written before the
change would keep the old ones)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from campaigns.models import Campaign
from contactcenter.publishing import publish_on_commit
from conversations.bulk_load import history_load_ended, history_loaded, history_loading
from reports import rollups

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


# seed_history's bulk loads (conversations.seeding): the rollup triggers off while rows go in
# (one upsert per row costs far more than the COPY), on again whatever happened, then the days
# written recounted once, a day per transaction.
_switched_off: list[list[str]] = []


@receiver(history_loading, dispatch_uid="reports_history_loading")
def rollup_triggers_off(sender: type, **kwargs: Any) -> None:
    if rollups.supported():
        _switched_off.append(rollups.switch_triggers_off())


@receiver(history_load_ended, dispatch_uid="reports_history_load_ended")
def rollup_triggers_on(sender: type, **kwargs: Any) -> None:
    if _switched_off:
        rollups.switch_triggers_on(_switched_off.pop())


@receiver(history_loaded, dispatch_uid="reports_history_loaded")
def recount_loaded_days(
    sender: type, earliest: dt.datetime, latest: dt.datetime, **kwargs: Any
) -> str:
    if not rollups.supported():
        return ""
    zone = zoneinfo.ZoneInfo(rollups.zone_name())
    first, last = earliest.astimezone(zone).date(), latest.astimezone(zone).date()
    rows = rollups.rebuild_days(first, last)
    return f"report rollups recounted from {first} to {last}: {rows:,} rows"
