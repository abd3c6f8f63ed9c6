"""Dialer and spool services: configuration, start/stop, queueing, operator actions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.models import Campaign, Schedule
from campaigns.selectors import campaigns_for, providers_for
from contactcenter.events import publish_now, user_group
from contactcenter.publishing import publish_on_commit
from dialer.counters import adjust, reserve_positions
from dialer.models import Dialer, SpoolDeletion, SpoolRow
from dialer.states import UNPROCESSED, SpoolKind, SpoolState
from providers.ports import parse_ports
from providers.text import text_problem

logger = logging.getLogger("contactcenter.dialer")
S = SpoolState
TOP_PRIORITY = -1  # SendSMS and single messages go before every CSV row (CSV priorities are >= 0)
DIALER_FIELDS = (
    "name",
    "campaign",
    "provider",
    "dial_string",
    "time_between_messages",
    "enabled",
    "check_dncr",
)


def save_dialer(
    *, user: User, dialer: Dialer | None, values: dict[str, Any], schedules: list[Schedule] | None
) -> Dialer:
    current = (
        {k: getattr(dialer, k) for k in DIALER_FIELDS}
        if dialer
        else {
            "name": "",
            "campaign": None,
            "provider": None,
            "dial_string": "",
            "time_between_messages": 0,
            "enabled": True,
            "check_dncr": True,
        }
    )
    merged = {**current, **{k: v for k, v in values.items() if k in DIALER_FIELDS}}
    errors: dict[str, str] = {}
    name = (merged["name"] or "").strip()
    if not name:
        errors["name"] = _("Give the dialer a name.")
    elif Dialer.objects.filter(name=name).exclude(pk=getattr(dialer, "pk", None)).exists():
        errors["name"] = _("A dialer named “%(name)s” exists already.") % {"name": name}
    campaign = merged["campaign"]
    if campaign is None or not campaigns_for(user).filter(pk=campaign.pk).exists():
        errors["campaign"] = _("Choose one of your campaigns.")
    elif Dialer.objects.filter(campaign=campaign).exclude(pk=getattr(dialer, "pk", None)).exists():
        errors["campaign"] = _("Campaign “%(name)s” has a dialer already.") % {
            "name": campaign.name
        }
    provider = merged["provider"]
    if provider is None or not providers_for(user).filter(pk=provider.pk).exists():
        errors["provider"] = _("Choose an SMS provider available to your security groups.")
    if (merged["dial_string"] or "").strip():
        try:
            parse_ports(merged["dial_string"])
        except ValueError as exc:
            errors["dial_string"] = str(exc)
    gap = merged["time_between_messages"]
    if not isinstance(gap, int) or isinstance(gap, bool) or gap < 0 or gap > 3_600_000:
        errors["time_between_messages"] = _("Milliseconds between 0 and 3600000.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        target = dialer or Dialer()
        for key in DIALER_FIELDS:
            setattr(target, key, merged[key])
        target.name = name
        target.dial_string = (merged["dial_string"] or "").strip()
        if not target.enabled:
            target.running = False
        target.save()
        if schedules is not None:
            target.schedules.set(schedules)
    return target


def kick() -> None:
    """Let the workers look for work now rather than at the next beat (after commit). A failed
    publish is only logged: the beat's tick (and the sweeper) find the work anyway."""
    publish_on_commit("dialer.tasks.tick")


def start_dialer(*, dialer: Dialer) -> Dialer:
    if not dialer.enabled:
        raise ValidationError(_("The dialer is disabled: enable it before starting it."))
    Dialer.objects.filter(pk=dialer.pk).update(running=True, updated_at=timezone.now())
    dialer.refresh_from_db()
    kick()
    return dialer


def stop_dialer(*, dialer: Dialer) -> Dialer:
    """Stop after the batches in hand (a batch is at most 50 rows)."""
    Dialer.objects.filter(pk=dialer.pk).update(running=False, updated_at=timezone.now())
    dialer.refresh_from_db()
    return dialer


@transaction.atomic
def queue_message(
    *,
    campaign: Campaign,
    destination: str,
    message: str,
    priority: int = TOP_PRIORITY,
    idm: str = "",
    data: str = "",
    kind: str = SpoolKind.DIALER,
    agent: User | None = None,
) -> SpoolRow:
    """Add one message to the campaign's spool (TO_PROCESS). ValidationError names the field.
    ``kind`` and ``agent`` go to the message it becomes once sent (``dialer.messages``)."""
    destination = (destination or "").strip()
    errors = {}
    if not destination:
        errors["destination"] = _("Give a destination number.")
    elif len(destination) > 40:
        errors["destination"] = _("The destination is longer than 40 characters.")
    if not (message or "").strip():
        errors["message"] = _("The message is empty.")
    else:
        dialer = Dialer.objects.filter(campaign=campaign).select_related("provider").first()
        problem = text_problem(message, dialer.provider if dialer else None)
        if problem:
            errors["message"] = problem
    if errors:
        raise ValidationError(errors)
    row = SpoolRow.objects.create(
        campaign=campaign,
        destination=destination,
        message=message,
        priority=priority,
        position=reserve_positions(1),
        idm=idm,
        data=data,
        kind=kind,
        agent=agent,
    )
    adjust({(campaign.pk, S.TO_PROCESS): 1})
    kick()
    return row


def _settle_unknown(campaign: Campaign, row_ids: list[int], state: int, error: str) -> int:
    with transaction.atomic():
        rows = SpoolRow.objects.select_for_update().filter(
            campaign=campaign, pk__in=row_ids, state=S.SENDING, fate_unknown=True
        )
        count = rows.update(
            state=state, fate_unknown=False, claim="", error=error, updated_at=timezone.now()
        )
        adjust({(campaign.pk, S.SENDING): -count, (campaign.pk, state): count})
    return count


def requeue_unknown(*, campaign: Campaign, row_ids: list[int]) -> int:
    """Operator: send again rows whose fate was unknown (they may reach the customer twice)."""
    count = _settle_unknown(
        campaign, row_ids, S.TO_PROCESS, "requeued by an operator after an unknown outcome"
    )
    kick()
    return count


def drop_unknown(*, campaign: Campaign, row_ids: list[int]) -> int:
    """Operator: give up rows whose fate was unknown (FAILED, never resent)."""
    return _settle_unknown(
        campaign, row_ids, S.FAILED, "dropped by an operator: the outcome of the send is unknown"
    )


def delete_unprocessed(
    *, campaign: Campaign, chunk: int = 5000, progress: Callable[[int], None] | None = None
) -> int:
    """Delete the campaign's unprocessed rows (held or to process), chunk by chunk so a
    million rows never hold one long lock; ``progress(deleted)`` after each chunk."""
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                SpoolRow.objects.select_for_update(skip_locked=True)
                .filter(campaign=campaign, state__in=UNPROCESSED)
                .values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                return deleted
            by_state = dict(
                SpoolRow.objects.filter(pk__in=ids).values_list("state").annotate(n=Count("pk"))
            )
            SpoolRow.objects.filter(pk__in=ids).delete()
            adjust({(campaign.pk, state): -n for state, n in by_state.items()})
        deleted += len(ids)
        if progress:
            progress(deleted)


def request_unprocessed_deletion(*, campaign: Campaign, user: User) -> SpoolDeletion:
    """Store an operator's request to delete the campaign's unprocessed rows and publish its
    task after commit (if Redis is away the sweeper resumes it). A request still unfinished for
    the campaign is returned instead of a second one."""
    with transaction.atomic():
        deletion, _ = SpoolDeletion.objects.get_or_create(
            campaign=campaign, finished_at=None, defaults={"requested_by": user}
        )
        publish_on_commit("dialer.tasks.delete_unprocessed_rows", deletion.pk)
    return deletion


def run_spool_deletion(deletion_id: int) -> int | None:
    """Carry out a stored deletion request, telling its requester the progress; None when it is
    finished already (a second hand-over of the same request)."""
    deletion = SpoolDeletion.objects.filter(pk=deletion_id, finished_at__isnull=True).first()
    if deletion is None:
        return None
    campaign_id, user_id = deletion.campaign_id, deletion.requested_by_id

    def tell(kind: str, deleted: int) -> None:
        if user_id is not None:
            publish_now(user_group(user_id), kind, {"campaign": campaign_id, "deleted": deleted})

    deleted = delete_unprocessed(
        campaign=Campaign.objects.get(pk=campaign_id),
        progress=lambda n: tell("spool.deleting", n),
    )
    SpoolDeletion.objects.filter(pk=deletion.pk).update(deleted=deleted, finished_at=timezone.now())
    tell("spool.deleted", deleted)
    return deleted
