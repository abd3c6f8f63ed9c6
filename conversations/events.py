"""What screens are told about interactions (after commit, through contactcenter.events).

Every change takes the interaction's next ``seq`` (the caller holds the interaction's row), so a
client that missed events asks for ``after=<last seq seen>`` and gets each change once. Events
go to the assigned agent's group and to the campaign's group (monitors, the agents of the
campaign for queue lengths).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from contactcenter.events import campaign_group, publish, publish_now, queue_group, user_group
from conversations.models import Interaction, Message
from conversations.states import Delivery, Direction, InteractionState


def next_seq(interaction: Interaction) -> int:
    """Take the interaction's next event number (in the database, so concurrent writers each
    get their own)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Interaction._meta.db_table)} SET seq = seq + 1 "  # noqa: S608
            "WHERE id = %s RETURNING seq",
            [interaction.pk],
        )
        interaction.seq = cursor.fetchone()[0]
    return interaction.seq


def interaction_payload(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.pk,
        "seq": interaction.seq,
        "campaign": interaction.campaign_id,
        "provider": interaction.provider_id,
        "number": interaction.number,
        "state": interaction.state,
        "agent": interaction.agent_id,
        "unread": interaction.unread,
        "opened_at": interaction.opened_at.isoformat(),
        "queued_at": interaction.queued_at.isoformat() if interaction.queued_at else None,
        "assigned_at": interaction.assigned_at.isoformat() if interaction.assigned_at else None,
        "last_activity_at": interaction.last_activity_at.isoformat(),
        "closed_at": interaction.closed_at.isoformat() if interaction.closed_at else None,
        "close_reason": interaction.close_reason,
    }


def shown_delivery(message: Message) -> str:
    """The four delivery states screens and the API show (``sending`` is still queued to them)."""
    if message.delivery == Delivery.SENDING:
        return Delivery.QUEUED
    return message.delivery


def client_key(message: Message) -> str:
    """The idempotency key the agent's browser sent with this reply ("" for any other message):
    the tab that sent it replaces its pending bubble with the stored message."""
    if message.direction != Direction.OUT or not isinstance(message.raw, dict):
        return ""
    return str(message.raw.get("client_key", ""))


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "interaction": message.interaction_id,
        "seq": message.seq,
        "direction": message.direction,
        "author": message.author,
        "agent": message.agent_id,
        "bot_kind": message.bot_kind,
        "text": message.text,
        "segments": message.segments,
        "delivery": shown_delivery(message) or None,
        "error": message.error,
        "created_at": message.created_at.isoformat(),
        "key": client_key(message),
    }


def _groups(interaction: Interaction, *also: int | None) -> list[str]:
    groups = [campaign_group(interaction.campaign_id)]
    agents = {interaction.agent_id, *also} - {None}
    groups += [user_group(a) for a in sorted(agents)]  # type: ignore[arg-type]
    return groups


def interaction_changed(
    interaction: Interaction, kind: str, *, previous_agent: int | None = None
) -> None:
    """``interaction.queued`` / ``.assigned`` / ``.closed`` / ``.updated``: to the campaign
    and to the agent (and to the agent who just lost it)."""
    payload = interaction_payload(interaction)
    for group in _groups(interaction, previous_agent):
        publish(group, kind, payload)


def message_changed(interaction: Interaction, message: Message, kind: str) -> None:
    """``message.new`` / ``message.delivery`` with the interaction's current summary."""
    payload = {"message": message_payload(message), "interaction": interaction_payload(interaction)}
    for group in _groups(interaction):
        publish(group, kind, payload)


def waiting_count(campaign_id: int) -> int:
    return Interaction.objects.filter(
        campaign_id=campaign_id, state=InteractionState.QUEUED
    ).count()


def queue_length(campaign_id: int) -> None:
    """``queue.length`` to the campaign (monitors) and its queue group (member agents), counted
    after commit: the number sent includes this change and every one committed before it."""

    def send() -> None:
        payload = {"campaign": campaign_id, "waiting": waiting_count(campaign_id)}
        for group in (campaign_group(campaign_id), queue_group(campaign_id)):
            publish_now(group, "queue.length", payload)

    transaction.on_commit(send)


def changes_after(interaction_id: int, after: int) -> QuerySet[Message]:
    """The interaction's messages that changed after event ``after`` (their ``seq`` is their
    last change's), in the order of the changes: a client that saw events up to ``after`` gets
    each change it missed once, with the message as it is now."""
    return Message.objects.filter(interaction_id=interaction_id, seq__gt=after).order_by("seq")
