"""Outbound messages of conversations (agent replies, the out-of-time reply): stored queued, sent
in the background on the routing queue through the provider's adapter, delivery state kept on
the message. A message is claimed (``queued`` → ``sending``) by one conditional update, so two
workers never send it twice."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from contactcenter.publishing import publish_on_commit
from conversations import events
from conversations.models import Interaction, Message
from conversations.states import Author, Delivery, Direction, delivery_for
from providers.adapters import adapter_class
from providers.adapters.base import OutgoingSMS, SendError
from providers.delivery import DeliveryStatus, should_replace
from providers.encoding import segment_info
from providers.ports import parse_ports
from providers.reports import CONVERSATION, best_reports, message_number
from providers.services import adapter_for

SEND_TASK = "conversations.tasks.send_message"


def queue_outbound(
    interaction: Interaction,
    *,
    text: str,
    author: str,
    agent_id: int | None = None,
    bot_kind: str = "",
) -> Message:
    """Store one outbound message of ``interaction`` (whose row the caller holds) as queued and
    send it after commit. The text is checked by the caller (``providers.text``)."""
    info = segment_info(text, interaction.provider.encoding)
    now = timezone.now()
    message = Message.objects.create(
        interaction=interaction,
        direction=Direction.OUT,
        author=author,
        agent_id=agent_id,
        bot_kind=bot_kind,
        provider_id=interaction.provider_id,
        number=interaction.number,
        text=text,
        encoding=info.encoding,
        segments=info.segments,
        delivery=Delivery.QUEUED,
        created_at=now,
    )
    interaction.last_activity_at = now
    fields = ["last_activity_at"]
    if author == Author.AGENT and interaction.first_reply_at is None:
        interaction.first_reply_at = now
        fields.append("first_reply_at")
    interaction.save(update_fields=fields)
    message.seq = events.next_seq(interaction)
    Message.objects.filter(pk=message.pk).update(seq=message.seq)
    events.message_changed(interaction, message, "message.new")
    publish_on_commit(SEND_TASK, message.pk)
    return message


def send_queued(message_id: int) -> Message | None:
    """Send one queued message (None when another worker has it, or it is not queued)."""
    claimed = Message.objects.filter(pk=message_id, delivery=Delivery.QUEUED).update(
        delivery=Delivery.SENDING
    )
    if not claimed:
        return None
    message = Message.objects.select_related("provider").get(pk=message_id)
    provider = message.provider
    port = None
    if provider.ports and adapter_class(provider.api_type).uses_ports:
        port = parse_ports(provider.ports)[0]
    outgoing = OutgoingSMS(
        destination=message.number,
        text=message.text,
        reference=f"msg-{message.pk}",
        number=message_number(message.pk, kind=CONVERSATION),
        port=port,
        encoding=message.encoding or "GSM7",
    )
    try:
        result = adapter_for(provider).send(outgoing)
    except SendError as exc:
        return _finish(message, delivery=Delivery.FAILED, error=str(exc))
    return _finish(
        message,
        delivery=Delivery.SENT,
        provider_message_id=result.provider_message_id,
        segments=result.segments,
    )


def _finish(
    message: Message,
    *,
    delivery: str,
    error: str = "",
    provider_message_id: str = "",
    segments: int | None = None,
) -> Message:
    with transaction.atomic():
        interaction = Interaction.objects.select_for_update().get(pk=message.interaction_id)
        message.delivery, message.error = delivery, error
        message.attempts += 1
        if delivery == Delivery.SENT:
            message.provider_message_id = provider_message_id
            message.sent_at = timezone.now()
            message.report_status = DeliveryStatus.ACCEPTED
            if segments:
                message.segments = segments
        message.seq = events.next_seq(interaction)
        message.save()
        events.message_changed(interaction, message, "message.delivery")
    if provider_message_id:
        apply_reports(message.provider_id, [provider_message_id])
        message.refresh_from_db()
    return message


def apply_reports(provider_id: int, provider_message_ids: list[str]) -> int:
    """Give outbound messages the best delivery report received for them (forward only; also
    reports that arrived before the id was recorded). Returns how many messages changed."""
    best = best_reports(provider_id, provider_message_ids)
    targets = Message.objects.filter(
        provider_id=provider_id, direction=Direction.OUT, provider_message_id__in=list(best)
    ).values_list("pk", "interaction_id")
    changed = 0
    for message_id, interaction_id in targets:
        with transaction.atomic():
            # The interaction's row first, then the message's: the order every writer uses.
            interaction = (
                Interaction.objects.select_for_update().get(pk=interaction_id)
                if interaction_id
                else None
            )
            message = Message.objects.select_for_update().get(pk=message_id)
            report = best[message.provider_message_id]
            if message.report_status == report.status or not should_replace(
                message.report_status, report.status
            ):
                continue
            message.report_status = report.status
            message.delivery = delivery_for(report.status)
            message.status_at = report.received_at
            if message.delivery == Delivery.FAILED:
                message.error = report.error or message.error
            if interaction is not None:
                message.seq = events.next_seq(interaction)
                events.message_changed(interaction, message, "message.delivery")
            message.save(update_fields=["report_status", "delivery", "status_at", "error", "seq"])
            changed += 1
    return changed
