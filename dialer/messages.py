"""Sent spool rows become messages of interactions (SPEC §3a): every dialer row that was sent and
every SendSMS message is a ``conversations.Message`` (author bot, ``bot_kind`` dialer / sendsms),
so the inbox, the recordings and a customer's history show what the dialer said.

``sms_spool`` stays the dialer's work queue, and the sending loop never waits for this: after a
batch's write-back it publishes ``dialer.tasks.record_sent_messages`` (default queue), which
records that campaign's sent rows in bulk (``record_sent_rows``); the sweeper records rows whose
task was lost, and rows sent before this existed (oldest first, a few thousand per run).

Which interaction a row's message joins:
- the customer's open interaction in the row's campaign through the dialer's provider, when one
  was already open when the row was sent (the agent sees it in the conversation);
- otherwise an interaction of its own, closed at once (``close_reason`` outbound, ``origin``
  dialer / sendsms): nobody is asked to act on it, and a reply opens a new interaction whose
  customer history shows it. A SendSMS message sent for an ``agent`` keeps that agent on the
  message and on its closed interaction (their history and recordings show it); it is not
  assigned to them, which would count against their maximum while they may be away.

Delivery reports reach the message whenever they come: those received before it was written
(kept on the spool row by the write-back, or kept in ``DeliveryReport``) are applied when it is
written; later ones through ``conversations``' receiver, like every outbound message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contactcenter.phones import customer_number
from conversations import events
from conversations.models import Interaction, Message
from conversations.outbound import apply_reports
from conversations.states import (
    Author,
    BotKind,
    CloseReason,
    Delivery,
    Direction,
    InteractionState,
    Origin,
    delivery_for,
)
from dialer.models import Dialer, SpoolRow
from dialer.states import SpoolKind, SpoolState
from providers.delivery import DeliveryStatus, should_replace
from providers.encoding import EncodingError, segment_info
from providers.models import DeliveryReport, Provider
from providers.reports import best_reports

CHUNK = 500  # rows recorded per transaction

BOT_KIND = {SpoolKind.DIALER: BotKind.DIALER, SpoolKind.SENDSMS: BotKind.SENDSMS}
ORIGIN = {SpoolKind.DIALER: Origin.DIALER, SpoolKind.SENDSMS: Origin.SENDSMS}


def unrecorded() -> Q:
    """Sent rows that are no message yet (the partial index ``spool_to_record``)."""
    return Q(state=SpoolState.SENT, conversation_message__isnull=True)


def record_sent_rows(*, campaign_id: int, most: int = 5000) -> int:
    """Record up to ``most`` sent rows of the campaign as messages, oldest first; returns how
    many. Rows another worker is recording are skipped (row locks), so running this twice at
    once records each row once."""
    dialer = Dialer.objects.select_related("provider").filter(campaign_id=campaign_id).first()
    if dialer is None:
        return 0
    recorded = 0
    while recorded < most:
        done = _record_chunk(dialer.provider, campaign_id, min(CHUNK, most - recorded))
        recorded += done
        if not done:
            break
    return recorded


def campaigns_to_record(sent_before: dt.datetime) -> list[int]:
    """Campaigns with sent rows not yet recorded, sent before ``sent_before`` (the sweeper)."""
    rows = SpoolRow.objects.filter(unrecorded(), sent_at__lt=sent_before)
    return list(rows.order_by().values_list("campaign_id", flat=True).distinct())


@dataclass
class _Written:
    message: Message
    status: str  # the report status written


def _record_chunk(provider: Provider, campaign_id: int, limit: int) -> int:
    with transaction.atomic():
        rows = list(
            SpoolRow.objects.select_for_update(skip_locked=True)
            .filter(unrecorded(), campaign_id=campaign_id)
            .order_by("sent_at", "id")
            .only(
                "id",
                "destination",
                "message",
                "segments",
                "attempts",
                "provider_message_id",
                "delivery_status",
                "sent_at",
                "kind",
                "agent_id",
            )[:limit]
        )
        if not rows:
            return 0
        written = _write(provider, campaign_id, rows)
    # A report stored while this transaction ran was not seen by best_reports above, and its
    # own receiver ran before these messages existed: apply what is better now.
    _catch_up(provider.pk, written)
    return len(rows)


def _write(provider: Provider, campaign_id: int, rows: list[SpoolRow]) -> list[_Written]:
    numbers = {row.id: customer_number(row.destination) for row in rows}
    ids = [row.provider_message_id for row in rows if row.provider_message_id]
    reports = best_reports(provider.pk, ids)
    # A provider id already on a message (or twice in this chunk) is one message: linked, not
    # written again (the database holds provider ids unique).
    by_id = {
        m.provider_message_id: m
        for m in Message.objects.filter(
            provider=provider, direction=Direction.OUT, provider_message_id__in=ids
        )
    }
    joined = _open_interactions(provider, campaign_id, set(numbers.values()))
    fresh: list[tuple[SpoolRow, Interaction | None]] = []
    same_id: list[SpoolRow] = []
    taken: set[str] = set(by_id)
    for row in rows:
        if row.provider_message_id in taken:
            same_id.append(row)
            continue
        if row.provider_message_id:
            taken.add(row.provider_message_id)
        open_one = joined.get(numbers[row.id])
        if open_one is not None and open_one.opened_at > row.sent_at:
            open_one = None  # opened after this row was sent: not part of it
        fresh.append((row, open_one))
    alone = [row for row, open_one in fresh if open_one is None]
    closed = Interaction.objects.bulk_create(
        [_closed_interaction(provider, campaign_id, row, numbers[row.id]) for row in alone]
    )
    interaction_of = {row.id: i for row, i in zip(alone, closed, strict=True)}
    messages: list[Message] = []
    written: list[_Written] = []
    for row, open_one in fresh:
        status = _status(row, reports.get(row.provider_message_id))
        interaction = open_one or interaction_of[row.id]
        message = _message(provider, interaction, row, numbers[row.id], status, reports)
        if open_one is not None:
            message.seq = events.next_seq(open_one)
        messages.append(message)
        written.append(_Written(message, status))
    Message.objects.bulk_create(messages)
    for (row, _open_one), message in zip(fresh, messages, strict=True):
        row.conversation_message = message
        if row.provider_message_id:
            by_id[row.provider_message_id] = message
    for row in same_id:
        row.conversation_message = by_id[row.provider_message_id]
    SpoolRow.objects.bulk_update(rows, ["conversation_message"], batch_size=CHUNK)
    _announce(fresh, messages)
    return written


def _open_interactions(
    provider: Provider, campaign_id: int, numbers: set[str]
) -> dict[str, Interaction]:
    """The customers' open interactions in the campaign through the provider, locked (by id, the
    order every writer takes them in)."""
    found = (
        Interaction.objects.select_for_update()
        .filter(campaign_id=campaign_id, provider=provider, number__in=numbers)
        .exclude(state=InteractionState.CLOSED)
        .order_by("pk")
    )
    return {i.number: i for i in found}


def _closed_interaction(
    provider: Provider, campaign_id: int, row: SpoolRow, number: str
) -> Interaction:
    at = row.sent_at or timezone.now()
    return Interaction(
        campaign_id=campaign_id,
        provider=provider,
        number=number,
        state=InteractionState.CLOSED,
        origin=ORIGIN.get(row.kind, Origin.DIALER),
        agent_id=row.agent_id,
        opened_at=at,
        last_activity_at=at,
        closed_at=at,
        close_reason=CloseReason.OUTBOUND,
        seq=1,
    )


def _status(row: SpoolRow, report: DeliveryReport | None) -> str:
    """The furthest delivery status known: the row's, or a better report kept meanwhile."""
    status = row.delivery_status
    if report is not None and should_replace(status, report.status):
        status = report.status
    return status


def _message(
    provider: Provider,
    interaction: Interaction,
    row: SpoolRow,
    number: str,
    status: str,
    reports: dict[str, DeliveryReport],
) -> Message:
    try:
        encoding = segment_info(row.message, provider.encoding).encoding
    except EncodingError:
        encoding = ""
    report = reports.get(row.provider_message_id)
    delivery = delivery_for(status) if status != DeliveryStatus.UNKNOWN else Delivery.SENT
    failed = delivery == Delivery.FAILED and report is not None
    at = row.sent_at or timezone.now()
    return Message(
        interaction=interaction,
        direction=Direction.OUT,
        author=Author.BOT,
        agent_id=row.agent_id,
        bot_kind=BOT_KIND.get(row.kind, BotKind.DIALER),
        provider=provider,
        provider_message_id=row.provider_message_id,
        number=number,
        text=row.message,
        encoding=encoding,
        segments=row.segments or 1,
        delivery=delivery,
        report_status=status,
        error=report.error if failed else "",
        attempts=row.attempts,
        seq=interaction.seq if interaction.state == InteractionState.CLOSED else 0,
        created_at=at,
        sent_at=at,
        status_at=report.received_at if report is not None and report.status == status else None,
    )


def _announce(
    fresh: list[tuple[SpoolRow, Interaction | None]],
    messages: list[Message],
) -> None:
    """Screens hear of messages that joined an open conversation, and of a SendSMS message's
    closed interaction in its agent's history; a dialer's closed interactions are not news."""
    now = timezone.now()
    for (row, open_one), message in zip(fresh, messages, strict=True):
        if open_one is not None:
            open_one.last_activity_at = now
            Interaction.objects.filter(pk=open_one.pk).update(last_activity_at=now)
            events.message_changed(open_one, message, "message.new")
        elif row.agent_id:
            events.interaction_changed(message.interaction, "interaction.closed")


def _catch_up(provider_id: int, written: Iterable[_Written]) -> None:
    wrote = {w.message.provider_message_id: w.status for w in written}
    wrote.pop("", None)
    if not wrote:
        return
    best = best_reports(provider_id, list(wrote))
    newer = [
        i
        for i, report in best.items()
        if report.status != wrote[i] and should_replace(wrote[i], report.status)
    ]
    if newer:
        apply_reports(provider_id, newer)
