"""Outbound messages of conversations (agent replies, the out-of-time reply): stored queued, sent
in the background on the routing queue through the provider's adapter, delivery state kept on
the message. A message is claimed (``queued`` → ``sending``) by one conditional update, so two
workers never send it twice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.publishing import publish_on_commit
from conversations import events
from conversations.models import Interaction, Message
from conversations.states import Author, Delivery, Direction, delivery_for
from providers.adapters import adapter_class
from providers.adapters.base import OutgoingSMS, SendError
from providers.breaker import record_failure, record_success, resting_error
from providers.delivery import DeliveryStatus, should_replace
from providers.encoding import segment_info
from providers.ports import parse_ports
from providers.reports import CONVERSATION, best_reports, message_number
from providers.retries import exhausted, retry_in
from providers.services import adapter_for

SEND_TASK = "conversations.tasks.send_message"


def queue_outbound(
    interaction: Interaction,
    *,
    text: str,
    author: str,
    agent_id: int | None = None,
    bot_kind: str = "",
    raw: dict | None = None,
) -> Message:
    """Store one outbound message of ``interaction`` (whose row the caller holds) as queued and
    send it after commit. The text is checked by the caller (``providers.text``). ``raw``: what
    the message keeps of its origin (a reply's idempotency key)."""
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
        raw=raw or {},
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
    """Send one queued message, once: None when another worker has it, it is not queued, or
    its next try is not due yet (its scheduled task, or the sweeper, comes back for it).

    - sent: ``sent`` with the provider's id (and any delivery report already received);
    - permanent error, or the provider resting (``providers.breaker``): ``failed`` at once with
      the provider's error, ``report_status`` ``rejected`` (the provider never took it, so
      ``replies.retry_message`` may send it again);
    - temporary error: back to ``queued`` with the error shown and tried again after
      ``providers.retries.retry_in`` seconds; after MAX_ATTEMPTS tries, ``failed``.
    The interaction is never touched beyond its event counter: it stays with its agent.
    """
    message = (
        Message.objects.select_related("provider")
        .filter(pk=message_id, direction=Direction.OUT, delivery=Delivery.QUEUED)
        .first()
    )
    if message is None or not _due(message):
        return None
    # The claim: one conditional update, so a duplicate task or a sweep sends nothing twice.
    # ``status_at`` says since when it is being sent (``fail_stuck_sends`` reads it).
    claimed = Message.objects.filter(
        pk=message.pk, delivery=Delivery.QUEUED, attempts=message.attempts
    ).update(delivery=Delivery.SENDING, status_at=timezone.now())
    if not claimed:
        return None
    provider = message.provider
    resting = resting_error(provider.pk)
    if resting is not None:
        error = _("The provider is not answering (%(error)s); try again later.") % {
            "error": resting
        }
        return _finish(message, delivery=Delivery.FAILED, error=error, tried=False)
    try:
        result = adapter_for(provider).send(_outgoing(message))
    except SendError as exc:
        return _failed_send(message, exc)
    record_success(provider.pk)
    return _finish(
        message,
        delivery=Delivery.SENT,
        provider_message_id=result.provider_message_id,
        segments=result.segments,
    )


def _due(message: Message) -> bool:
    """A message that failed a try waits ``retry_in(attempts)`` after it (``status_at``)."""
    if not message.attempts or message.status_at is None:
        return True
    wait = dt.timedelta(seconds=retry_in(message.attempts))
    return timezone.now() >= message.status_at + wait


def _outgoing(message: Message) -> OutgoingSMS:
    provider = message.provider
    port = None
    if provider.ports and adapter_class(provider.api_type).uses_ports:
        port = parse_ports(provider.ports)[0]
    return OutgoingSMS(
        destination=message.number,
        text=message.text,
        reference=f"msg-{message.pk}",
        number=message_number(message.pk, kind=CONVERSATION),
        port=port,
        encoding=message.encoding or "GSM7",
    )


def _failed_send(message: Message, exc: SendError) -> Message:
    attempts = message.attempts + 1
    tripped = record_failure(message.provider_id, exc)
    if exc.permanent or tripped:
        finished = _finish(message, delivery=Delivery.FAILED, error=str(exc))
        if tripped:
            fail_waiting(message.provider_id, str(exc))
        return finished
    if exhausted(attempts):
        error = _("retries exhausted (%(attempts)s): %(error)s") % {
            "attempts": attempts,
            "error": exc,
        }
        return _finish(message, delivery=Delivery.FAILED, error=error)
    delay = retry_in(attempts)
    finished = _finish(message, delivery=Delivery.QUEUED, error=str(exc))
    publish_on_commit(SEND_TASK, message.pk, countdown=delay)
    return finished


def _finish(
    message: Message,
    *,
    delivery: str,
    error: str = "",
    provider_message_id: str = "",
    segments: int | None = None,
    tried: bool = True,
) -> Message:
    """Record the outcome of a claimed message (one the caller moved to ``sending``)."""
    with transaction.atomic():
        interaction = Interaction.objects.select_for_update(no_key=True).get(
            pk=message.interaction_id
        )
        message.delivery, message.error = delivery, error
        message.status_at = timezone.now()
        if tried:
            message.attempts += 1
        if delivery == Delivery.SENT:
            message.provider_message_id = provider_message_id
            message.sent_at = message.status_at
            message.report_status = DeliveryStatus.ACCEPTED
            if segments:
                message.segments = segments
        elif delivery == Delivery.FAILED:
            # Refused, or never taken: the provider has no id for it (retry_message may resend).
            message.report_status = DeliveryStatus.REJECTED
        message.seq = events.next_seq(interaction)
        message.save()
        events.message_changed(interaction, message, "message.delivery")
    if provider_message_id:
        apply_reports(message.provider_id, [provider_message_id])
        message.refresh_from_db()
    return message


def fail_waiting(provider_id: int, error: str) -> int:
    """The provider went to rest: messages waiting for a next try through it fail now, with its
    error, rather than keep their agents waiting (they may be sent again by hand). Returns how
    many failed."""
    waiting = Message.objects.filter(
        provider_id=provider_id, direction=Direction.OUT, delivery=Delivery.QUEUED, attempts__gt=0
    ).values_list("pk", flat=True)
    failed = 0
    for message_id in waiting:
        claimed = Message.objects.filter(pk=message_id, delivery=Delivery.QUEUED).update(
            delivery=Delivery.SENDING, status_at=timezone.now()
        )
        if claimed:
            message = Message.objects.get(pk=message_id)
            _finish(message, delivery=Delivery.FAILED, error=error, tried=False)
            failed += 1
    return failed


FATE_UNKNOWN = "fate unknown"
STUCK_MARGIN_SECONDS = 60


def fail_stuck_sends() -> int:
    """Messages left ``sending`` by a worker that died while the provider had them: they are
    never sent again blindly (the provider may have accepted them). Once the provider's
    timeouts and a margin have passed since the claim, each is ``failed`` with an error that
    says so, ``report_status`` left ``unknown``; ``retry_message`` refuses them (409), and the
    agent writes again if the customer did not get it. A delivery report that names it later
    still applies (none can: its id was never recorded). Returns how many were failed."""
    now = timezone.now()
    stuck = Message.objects.filter(
        direction=Direction.OUT, delivery=Delivery.SENDING, status_at__isnull=False
    ).select_related("provider")
    failed = 0
    for message in stuck:
        provider = message.provider
        limit = provider.connect_timeout + provider.read_timeout + STUCK_MARGIN_SECONDS
        if now - message.status_at < dt.timedelta(seconds=limit):
            continue
        with transaction.atomic():
            interaction = Interaction.objects.select_for_update(no_key=True).get(
                pk=message.interaction_id
            )
            changed = Message.objects.filter(
                pk=message.pk, delivery=Delivery.SENDING, status_at=message.status_at
            ).update(
                delivery=Delivery.FAILED,
                error=_(
                    "%(fate)s: the worker stopped while the provider had this message; the "
                    "provider may have accepted it. Write again if the customer did not get it."
                )
                % {"fate": FATE_UNKNOWN},
                status_at=now,
                seq=events.next_seq(interaction),
            )
            if changed:
                message.refresh_from_db()
                events.message_changed(interaction, message, "message.delivery")
                failed += 1
    return failed


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
                Interaction.objects.select_for_update(no_key=True).get(pk=interaction_id)
                if interaction_id
                else None
            )
            message = Message.objects.select_for_update(no_key=True).get(pk=message_id)
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
