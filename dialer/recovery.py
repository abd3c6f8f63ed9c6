"""Settling the batches of workers that died: journalled outcomes are applied, rows never handed
to the provider go back to the queue, rows that were in flight wait in the "unknown" list for an
operator (Requeue / Drop). Nothing is ever resent blindly: when the journal itself is gone
(Redis lost it), every row without a recorded outcome goes to the "unknown" list."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from dialer import journal
from dialer.claims import Claimed, finish
from dialer.models import SpoolRow
from dialer.states import SpoolState

logger = logging.getLogger("contactcenter.dialer")

S = SpoolState


def recover_abandoned_batches() -> int:
    """Settle the batches of workers whose heartbeat expired; returns how many."""
    tokens = set(
        SpoolRow.objects.filter(state=S.SENDING, fate_unknown=False)
        .exclude(claim="")
        .order_by()  # no Meta.ordering: its columns would join the DISTINCT (one per row)
        .values_list("claim", flat=True)
        .distinct()
    )
    settled = 0
    for token in tokens:
        if journal.alive(token):
            continue
        settle(token)
        settled += 1
    return settled


def settle(token: str) -> None:
    evidence = journal.read(token)
    marked = evidence.marked
    with transaction.atomic():
        rows = list(
            SpoolRow.objects.select_for_update().filter(
                claim=token, state=S.SENDING, fate_unknown=False
            )
        )
        if not rows:
            journal.forget(token)
            return
        campaign_id = rows[0].campaign_id
        known = {r.id: marked[r.id] for r in rows if marked.get(r.id) is not None}
        if evidence.complete:  # rows the journal does not name were never handed over
            unknown = [r.id for r in rows if r.id in marked and marked[r.id] is None]
        else:  # evidence lost: any row without an outcome may have been sent
            unknown = [r.id for r in rows if r.id not in known]
        claimed = [
            Claimed(r.id, r.destination, r.message, r.attempts) for r in rows if r.id not in unknown
        ]
        finish(campaign_id, token, claimed, known)
        SpoolRow.objects.filter(id__in=unknown).update(
            fate_unknown=True,
            updated_at=timezone.now(),
            error=(
                "worker died while sending: fate unknown"
                if evidence.complete
                else "worker died and its crash journal was lost (Redis): fate unknown"
            ),
        )
    journal.forget(token)
    logger.warning(
        "abandoned batch settled",
        extra={
            "claim": token,
            "rows": len(rows),
            "unknown": len(unknown),
            "journal_lost": not evidence.complete,
        },
    )
