"""Whether a dialer's schedules are open: read by the sending loop and by the monitor alike."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from campaigns.schedules import open_at
from campaigns.selectors import hours_of
from dialer.models import Dialer


def dialer_is_open(dialer: Dialer, at: datetime | None = None) -> bool:
    schedules = dialer.schedules.prefetch_related("rules", "holidays")
    return open_at((hours_of(s) for s in schedules), at or timezone.now())
