"""Do-not-contact list: entries and the check the sending loop makes for a whole batch."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet

from accounts.models import User
from dialer.models import DncrEntry
from dialer.numbers import normalise


def blocked_numbers(campaign_id: int, numbers: Iterable[str]) -> set[str]:
    """Which of ``numbers`` (normalised) are on the global list or this campaign's (one query
    on the number index, run for every batch the dialer sends)."""
    numbers = sorted(set(numbers))
    if not numbers:
        return set()
    table = DncrEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT number FROM {table} WHERE number IN "  # noqa: S608
            f"({', '.join(['%s'] * len(numbers))}) "
            "AND (campaign_id IS NULL OR campaign_id = %s)",
            [*numbers, campaign_id],
        )
        return {row[0] for row in cursor.fetchall()}


@transaction.atomic
def add_dncr(*, number: str, campaign_id: int | None) -> DncrEntry:
    entry, _ = DncrEntry.objects.get_or_create(number=normalise(number), campaign_id=campaign_id)
    return entry


def dncr_entries_for(user: User) -> QuerySet[DncrEntry]:
    """Global entries and those of the user's campaigns."""
    from campaigns.selectors import campaigns_for

    return DncrEntry.objects.filter(campaign__isnull=True) | DncrEntry.objects.filter(
        campaign__in=campaigns_for(user)
    )
