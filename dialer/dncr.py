"""Do-not-contact list: entries, who may change them, and the check the sending loop makes for
a whole batch.

Global entries (no campaign) block a number in every campaign of every group, so only admins
add or remove them; supervisors manage the entries of their groups' campaigns and see the
global ones (read-only)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from campaigns.selectors import campaigns_for
from contactcenter.phones import phone_number
from dialer.models import DncrEntry


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


def may_manage_global(user: User | None) -> bool:
    return user is None or user.role == Role.ADMIN


def not_a_number_message(value: str) -> str:
    return _("“%(value)s” is not a phone number.") % {"value": value}


GLOBAL_ADMINS_ONLY = gettext_lazy(
    "Only an admin can add or remove an entry for every campaign; choose one of your campaigns."
)


@transaction.atomic
def add_dncr(*, number: str, campaign_id: int | None, user: User | None = None) -> DncrEntry:
    """Add ``number`` (normalised) for one campaign, or for every campaign (``campaign_id``
    None: admins only). ``user`` None is a trusted caller in code. ValidationError names the
    field at fault; an entry that exists already is returned as it is."""
    errors: dict[str, str] = {}
    try:
        normalised = phone_number(number)
    except ValueError:
        errors["number"] = not_a_number_message(number)
    if campaign_id is None:
        if not may_manage_global(user):
            errors["campaign"] = GLOBAL_ADMINS_ONLY
    elif user is not None and not campaigns_for(user).filter(pk=campaign_id).exists():
        errors["campaign"] = _("No such campaign.")
    if errors:
        raise ValidationError(errors)
    entry, _created = DncrEntry.objects.get_or_create(number=normalised, campaign_id=campaign_id)
    return entry


def delete_dncr(*, entry: DncrEntry, user: User) -> None:
    """Remove one entry. A global entry: admins only (PermissionDenied for anyone else)."""
    if entry.campaign_id is None and not may_manage_global(user):
        raise PermissionDenied(GLOBAL_ADMINS_ONLY)
    if (
        entry.campaign_id is not None
        and not campaigns_for(user).filter(pk=entry.campaign_id).exists()
    ):
        raise PermissionDenied(_("No such entry."))
    entry.delete()


def dncr_entries_for(user: User) -> QuerySet[DncrEntry]:
    """Global entries (every user reads them: they block their campaigns too) and those of the
    user's campaigns."""
    return DncrEntry.objects.filter(campaign__isnull=True) | DncrEntry.objects.filter(
        campaign__in=campaigns_for(user)
    )
