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


def lines_of(interaction: Interaction) -> Iterator[Line]:
    """The transcript, oldest first (index ``interaction_messages``; one query, plain tuples:
    building a model per message cost more than the query for a long conversation)."""
    rows = (
        Message.objects.filter(interaction=interaction)
        .order_by("id")
        .values_list(
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
    customer = _("Customer %(number)s") % {"number": interaction.number}
    bots = {kind: _("Bot: %(kind)s") % {"kind": label} for kind, label in BotKind.choices}
    bot, agent = _("Bot"), _("Agent")
    for pk, at, direction, author, bot_kind, text, delivery, first, last, username in rows:
        if author == Author.CUSTOMER:
            sender = customer
        elif author == Author.AGENT:
            sender = f"{first} {last}".strip() or username or agent
        else:
            sender = bots.get(bot_kind, bot)
        yield Line(
            id=pk,
            at=_iso(at),
            direction=direction,
            author=author,
            bot_kind=bot_kind,
            sender=sender,
            text=text,
            delivery=Delivery.QUEUED if delivery == Delivery.SENDING else delivery,
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
