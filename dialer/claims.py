"""Taking rows from the spool for a batch and giving them back with their outcomes.

Each of the two is one statement on PostgreSQL, counters included (a data-modifying ``WITH``):
the sending loop pays one round trip, not a transaction of four. Other databases (SQLite in
development) run the same steps as separate statements inside a transaction. The SQL names the
tables of ``SpoolRow`` (sms_spool) and ``SpoolCount`` (dialer_spoolcount).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from contactcenter.phones import normalise
from dialer.counters import UPSERT_COUNTS, adjust, publish_counts
from dialer.journal import Outcome
from dialer.signals import apply_early_reports
from dialer.states import SpoolState
from providers.delivery import rank_sql

S = SpoolState


def announce(campaign_id: int) -> None:
    """Push the campaign's counters to its monitors once the change is committed."""
    transaction.on_commit(lambda: publish_counts(campaign_id))


@dataclass(frozen=True)
class Claimed:
    id: int
    destination: str
    message: str
    attempts: int


# ----------------------------------------------------------------------------------- claiming
_TAKE = """
UPDATE sms_spool SET state = %s, claim = %s, updated_at = %s
WHERE id IN (
    SELECT id FROM sms_spool
    WHERE campaign_id = %s AND state = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
    ORDER BY priority, position LIMIT %s {lock})
RETURNING id, destination, message, attempts, priority, position
"""
_COUNT_TAKEN = UPSERT_COUNTS.format(
    rows="SELECT %s, d.state, d.sign * (SELECT count(*) FROM taken) "
    "FROM (VALUES (%s, -1), (%s, 1)) AS d(state, sign) "
    "WHERE EXISTS (SELECT 1 FROM taken) ORDER BY d.state"
)
_CLAIM_PG = (
    "WITH taken AS ("  # noqa: S608  (constant SQL: the lock clause and the counters' upsert)
    + _TAKE.format(lock="FOR UPDATE SKIP LOCKED")
    + "),\ncounted AS ("
    + _COUNT_TAKEN
    + ")\nSELECT * FROM taken"
)


def claim_batch(campaign_id: int, token: str, limit: int) -> list[Claimed]:
    """Move up to ``limit`` rows of the campaign from TO_PROCESS to SENDING under ``token``, by
    priority then position (rows waiting for a retry are skipped); counters move with them."""
    now = timezone.now()
    take = [S.SENDING, token, now, campaign_id, S.TO_PROCESS, now, limit]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_PG, [*take, campaign_id, S.TO_PROCESS, S.SENDING])
            rows = cursor.fetchall()
        if rows:
            announce(campaign_id)
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_TAKE.format(lock=""), take)
            rows = cursor.fetchall()
            if rows:
                adjust(
                    {(campaign_id, S.TO_PROCESS): -len(rows), (campaign_id, S.SENDING): len(rows)}
                )
    rows.sort(key=lambda r: (r[4], r[5]))
    return [Claimed(r[0], r[1], r[2], r[3]) for r in rows]


# ----------------------------------------------------------------------------------- giving back
# The outcomes travel as one JSON array (parsed by PostgreSQL), not as a parameter per value.
_GIVE_BACK_PG = (
    """
WITH outcomes AS (
    SELECT * FROM json_to_recordset(%s::json) AS o(
        id bigint, state smallint, provider_message_id text, error text, attempts smallint,
        segments smallint, port smallint, retry_in double precision, number text)
),
v AS MATERIALIZED (  -- with the best report that came before the id was recorded, if any
    SELECT o.*, early.status AS reported FROM outcomes AS o LEFT JOIN LATERAL (
        SELECT r.status FROM providers_deliveryreport AS r
        WHERE r.provider_id = (SELECT provider_id FROM dialer_dialer WHERE campaign_id = %s)
            AND r.provider_message_id = o.provider_message_id AND o.provider_message_id <> ''
        ORDER BY {received_rank} DESC, r.received_at DESC, r.id DESC LIMIT 1
    ) AS early ON true
),
written AS (
    UPDATE sms_spool AS s SET
        state = v.state, provider_message_id = v.provider_message_id, error = v.error,
        attempts = v.attempts, segments = v.segments, port = v.port,
        next_attempt_at = %s::timestamptz + v.retry_in * interval '1 second',
        sent_at = CASE WHEN v.state = %s THEN %s::timestamptz ELSE s.sent_at END,
        number = COALESCE(NULLIF(v.number, ''), s.number),
        delivery_status = CASE WHEN v.reported IS NOT NULL AND {report_rank} >= {row_rank}
            THEN v.reported ELSE s.delivery_status END,
        updated_at = %s, claim = '', fate_unknown = false
    FROM v WHERE s.id = v.id AND s.claim = %s AND s.state = %s
    RETURNING v.state
),
moves AS (
    SELECT state, count(*) AS n FROM written GROUP BY state
    UNION ALL SELECT %s, -count(*) FROM written
),
counted AS (
"""  # noqa: S608  (constant SQL: the counters' upsert)
    + UPSERT_COUNTS.format(
        rows="SELECT %s, state, sum(n) FROM moves GROUP BY state HAVING sum(n) <> 0 ORDER BY state"
    )
    + """)
SELECT count(*) FROM written
"""
).format(
    received_rank=rank_sql("r.status"),
    report_rank=rank_sql("v.reported"),
    row_rank=rank_sql("s.delivery_status"),
)
_UPDATE_ROW = """
UPDATE sms_spool SET state = %s, provider_message_id = %s, error = %s, attempts = %s,
    segments = %s, port = %s, next_attempt_at = %s, sent_at = COALESCE(%s, sent_at),
    number = COALESCE(NULLIF(%s, ''), number), updated_at = %s, claim = '', fate_unknown = false
WHERE id = %s
"""


def outcome_record(row: Claimed, outcome: Outcome | None, number: str | None) -> dict[str, Any]:
    """What is written for ``row`` (no outcome: back to TO_PROCESS, never sent). A sent row
    keeps its destination normalised (``number``, computed here when not given)."""
    outcome = outcome or Outcome(S.TO_PROCESS, attempts=row.attempts)
    if outcome.state != S.SENT:
        number = ""
    elif number is None:
        number = normalise(row.destination)
    return {
        "id": row.id,
        "state": outcome.state,
        "provider_message_id": outcome.provider_message_id,
        "error": outcome.error[:2000],
        "attempts": outcome.attempts,
        "segments": outcome.segments,
        "port": outcome.port,
        "retry_in": outcome.retry_in,
        "number": number,
    }


def finish(
    campaign_id: int,
    token: str,
    rows: list[Claimed],
    outcomes: dict[int, Outcome],
    numbers: dict[int, str] | None = None,
) -> int:
    """Write a batch's outcomes; rows without one go back to TO_PROCESS. Returns how many rows
    were written. ``numbers``: the rows' destinations normalised, when already known.

    Only rows still held by ``token`` are written (recovery may have settled the batch of a
    worker presumed dead), and the counters move by exactly what was written.
    """
    if not rows:
        return 0
    now = timezone.now()
    numbers = numbers or {}
    records = [outcome_record(row, outcomes.get(row.id), numbers.get(row.id)) for row in rows]
    if connection.vendor != "postgresql":
        return _finish_portable(campaign_id, token, records, now)
    with connection.cursor() as cursor:
        cursor.execute(
            _GIVE_BACK_PG,
            [json.dumps(records), campaign_id, now, S.SENT, now, now, token, S.SENDING]
            + [S.SENDING, campaign_id],
        )
        written = cursor.fetchone()[0]
    if written:
        announce(campaign_id)
    return written


def _finish_portable(
    campaign_id: int, token: str, records: list[dict[str, Any]], now: datetime
) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM sms_spool WHERE claim = %s AND state = %s", [token, S.SENDING]
        )
        held = {r[0] for r in cursor.fetchall()}
        records = [r for r in records if r["id"] in held]
        cursor.executemany(
            _UPDATE_ROW,
            [
                [
                    r["state"],
                    r["provider_message_id"],
                    r["error"],
                    r["attempts"],
                    r["segments"],
                    r["port"],
                    now + timedelta(seconds=r["retry_in"]) if r["retry_in"] else None,
                    now if r["state"] == S.SENT else None,
                    r["number"],
                    now,
                    r["id"],
                ]
                for r in records
            ],
        )
        apply_early_reports(campaign_id, records)
        moves = Counter((campaign_id, r["state"]) for r in records)
        moves[(campaign_id, S.SENDING)] -= len(records)
        adjust(moves)
    return len(records)
