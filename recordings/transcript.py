"""One conversation as its transcript: every message with who sent it, when, and its delivery.

Who sent it (SPEC §6): the customer; an agent, by name; or the bot/system, saying which (the
out-of-time reply, a dialer message, a SendSMS message). Downloads as text and as CSV, built
from the same lines so they always agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from conversations.models import Interaction, Message
from conversations.states import Author, BotKind, Delivery
from recordings.csvsafe import safe_cell
from recordings.selectors import display_name


@dataclass
class Line:
    id: int
    at: str  # ISO 8601, UTC
    direction: str
    author: str  # customer / agent / bot
    bot_kind: str
    sender: str  # what a person reads: the customer's number, the agent's name, "Bot: …"
    text: str
    delivery: str  # "" for the customer's messages; "queued" also while sending


def sender_of(message: Message, number: str) -> str:
    if message.author == Author.CUSTOMER:
        return _("Customer %(number)s") % {"number": number}
    if message.author == Author.AGENT:
        return display_name(message.agent) or _("Agent")
    kind = BotKind(message.bot_kind).label if message.bot_kind in BotKind.values else ""
    return _("Bot: %(kind)s") % {"kind": kind} if kind else _("Bot")


def lines_of(interaction: Interaction) -> Iterator[Line]:
    """The transcript, oldest first (index ``interaction_messages``; one query, streamed)."""
    messages = (
        Message.objects.filter(interaction=interaction)
        .select_related("agent")
        .order_by("id")
        .only(
            "id",
            "created_at",
            "direction",
            "author",
            "bot_kind",
            "text",
            "delivery",
            "agent__first_name",
            "agent__last_name",
            "agent__username",
        )  # fmt: skip
    )
    for message in messages.iterator(chunk_size=2000):
        delivery = message.delivery
        if delivery == Delivery.SENDING:
            delivery = Delivery.QUEUED
        yield Line(
            id=message.pk,
            at=_iso(message.created_at),
            direction=message.direction,
            author=message.author,
            bot_kind=message.bot_kind,
            sender=sender_of(message, interaction.number),
            text=message.text,
            delivery=delivery,
        )


def header_of(interaction: Interaction) -> list[str]:
    return [
        _("Conversation %(id)s") % {"id": interaction.pk},
        _("Campaign: %(name)s") % {"name": interaction.campaign.name},
        _("Customer: %(number)s") % {"number": interaction.number},
        _("Opened: %(at)s") % {"at": _iso(interaction.opened_at)},
        _("Closed: %(at)s") % {"at": _iso(interaction.closed_at) if interaction.closed_at else "-"},
    ]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def as_text(interaction: Interaction) -> Iterator[str]:
    """The transcript as plain text: a header, a blank line, then one block per message."""
    for line in header_of(interaction):
        yield line + "\n"
    yield "\n"
    for line in lines_of(interaction):
        state = f" [{Delivery(line.delivery).label}]" if line.delivery else ""
        yield f"{line.at} {line.sender}{state}:\n"
        for part in line.text.splitlines() or [""]:
            yield f"    {part}\n"


CSV_HEADER = ("id", "time", "direction", "author", "bot_kind", "sender", "text", "delivery")


def as_csv(interaction: Interaction) -> Iterator[str]:
    """The transcript as CSV, one line per message; text cells neutralised against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(CSV_HEADER)
    yield flush()
    for line in lines_of(interaction):
        writer.writerow(
            [
                line.id, line.at, line.direction, line.author, line.bot_kind,
                safe_cell(line.sender), safe_cell(line.text), line.delivery,
            ]
        )  # fmt: skip
        yield flush()
