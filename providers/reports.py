"""How a delivery report finds its message.

Gateways that name messages by a number of ours echo ``OutgoingSMS.number`` in their reports
(``message_number``). Delivery reports are all kept (``providers.models.DeliveryReport``), also
those that arrive before the message's provider id is recorded: whoever records an id (a single
send, the dialer's write-back) applies the best report already received for it
(``best_reports``; the dialer's PostgreSQL write-back does the same in its one statement with
``providers.delivery.rank_sql``).
"""

from __future__ import annotations

from providers.delivery import should_replace
from providers.models import DeliveryReport

SPOOL, TEST, CONVERSATION = "spool", "test", "conversation"


def message_number(pk: int, *, kind: str) -> int:
    """``OutgoingSMS.number`` of a spool row (even), a provider test send (4k+1) or a message of
    a conversation (4k+3): the three tables may share a primary key, and gateways that name
    messages by this number (Dinstar's ``user_id``, an integer) echo it in their reports, so
    the numbers of different tables never collide."""
    if kind == SPOOL:
        return 2 * pk
    if kind == TEST:
        return 4 * pk + 1
    if kind == CONVERSATION:
        return 4 * pk + 3
    raise ValueError(f"unknown message kind {kind!r}")


def best_reports(provider_id: int | None, message_ids: list[str]) -> dict[str, DeliveryReport]:
    """The best report received so far for each of ``message_ids`` that has one: the furthest
    state, the latest among equals (what applying them one by one in order gives)."""
    best: dict[str, DeliveryReport] = {}
    ids = [i for i in message_ids if i]
    if not ids or provider_id is None:
        return best
    for report in DeliveryReport.objects.filter(
        provider_id=provider_id, provider_message_id__in=ids
    ).order_by("received_at", "pk"):
        current = best.get(report.provider_message_id)
        if current is None or should_replace(current.status, report.status):
            best[report.provider_message_id] = report
    return best
