"""The recordings list: interactions newest first, filtered, one keyset page at a time.

Each filter rides an index, so a page costs what the first page costs whatever the history's
size (no ``OFFSET``, no ``COUNT(*)``):
- no filter, dates, campaigns: ``interactions_by_date`` (opened_at desc, id desc), read backwards
  from the cursor and filtered (``campaign_interactions`` when the planner prefers it);
- origin: ``customer_history`` (number, opened_at desc);
- agents: ``agent_recordings`` (agent, opened_at desc, id desc; migration 0002);
- text: the GIN index ``message_text_search`` over ``to_tsvector('simple', text)``
  (see ``_text_matches``).
The total is PostgreSQL's estimate from the plan ("about 1.2 million"): counting millions of rows
exactly on every page is what made peers slow.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Count, F, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import User
from conversations.models import Assignment, Interaction, Message
from conversations.selectors import interactions_for
from recordings.filters import Filters

PAGE = 25
# A text search whose words PostgreSQL expects in more messages than this (its statistics of the
# GIN index's words) checks the newest interactions one by one; a rarer one reads the index.
COMMON_WORDS = 20_000

TS_MATCH = "to_tsvector('simple'::regconfig, {col}) @@ plainto_tsquery('simple'::regconfig, %s)"
# Constant SQL (the text is a parameter).
CORRELATED_MATCH = (
    "(SELECT true FROM conversations_message m WHERE m.interaction_id = "  # noqa: S608
    '"conversations_interaction"."id" AND ' + TS_MATCH.format(col="m.text") + " LIMIT 1)"
)


class BadCursor(ValueError):
    pass


def encode_cursor(interaction: Interaction) -> str:
    data = json.dumps([interaction.opened_at.isoformat(), interaction.pk])
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return dt.datetime.fromisoformat(moment), int(pk)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise BadCursor(_("Not a cursor this page gave out.")) from exc


class TextMatch(Func):
    """``to_tsvector('simple', text) @@ plainto_tsquery('simple', words)``: the expression of
    the GIN index ``message_text_search``, so PostgreSQL reads the index."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    arg_joiner = ") @@ plainto_tsquery('simple'::regconfig, "
    output_field = BooleanField()


def _text_matches(text: str) -> QuerySet[Message]:
    if connection.vendor == "postgresql":
        return Message.objects.filter(TextMatch(F("text"), Value(text)))
    return Message.objects.filter(text__icontains=text)


def _planned(sql: str, params: list | tuple) -> int:
    """The planner's row estimate for ``sql`` (one EXPLAIN, no execution)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# The share of messages holding the least frequent of the searched words, from the statistics
# ANALYZE keeps for the GIN index's expression (its most common words and their frequencies; a
# word not among them is at most as frequent as the least frequent listed when the list is full,
# and rare when it is not: ANALYZE then listed every word it met often enough). The rarest word
# bounds the matches: the planner's own estimate multiplies the words' shares as if they were
# independent, and "account 4471-2231", always written together, was expected in 2,000
# messages while 450,000 held it.
FULL_WORD_LIST = 1000  # default_statistics_target (100) x 10: the most ANALYZE keeps
WORD_SHARE_SQL = """
WITH stats AS (
  SELECT unnest(most_common_elems::text::text[]) AS word,
         unnest(most_common_elem_freqs[1:array_length(most_common_elems::text::text[], 1)])
           AS share
  FROM pg_stats WHERE tablename = 'message_text_search'
)
SELECT min(coalesce(s.share, CASE WHEN (SELECT count(*) FROM stats) >= %s
                                  THEN (SELECT min(share) FROM stats) ELSE 0 END)),
       (SELECT count(*) FROM stats),
       (SELECT reltuples FROM pg_class WHERE relname = 'conversations_message')
FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig, %s))) AS w(word)
LEFT JOIN stats s USING (word)
"""


def expected_matches(text: str) -> int:
    """How many messages may hold ``text`` at most, as the statistics tell (one query, nothing
    read from the table); 0 when there are no statistics yet (before the first ANALYZE)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(WORD_SHARE_SQL, [FULL_WORD_LIST, text])
        share, listed, messages = cursor.fetchone()
    if not listed or share is None:
        return 0
    return int(share * max(messages or 0, 0))


def _text_filter(
    interactions: QuerySet[Interaction], text: str, expected: int
) -> QuerySet[Interaction]:
    matches = _text_matches(text).filter(interaction__isnull=False)
    if expected <= COMMON_WORDS:
        # Few messages hold it: their interactions, read from the GIN index, are the answer
        # (read first, so the plan is always the index's; more than expected: a common word).
        ids = set(matches.values_list("interaction_id", flat=True)[: COMMON_WORDS + 1])
        if not ids:
            return interactions.none()
        if len(ids) <= COMMON_WORDS:
            return interactions.filter(pk__in=ids)
    # A common word: a correlated check per interaction, newest first, which finds a page after
    # a few dozen (the LIMIT keeps PostgreSQL from turning it into a join over every matching
    # message).
    return interactions.extra(where=[CORRELATED_MATCH], params=[text])  # noqa: S610


def recordings_for(
    user: User, filters: Filters, expected: int | None = None
) -> QuerySet[Interaction]:
    """The interactions ``user`` may see that match ``filters``, newest first. ``expected``:
    the text's ``expected_matches`` when the caller has it already."""
    interactions = interactions_for(user)
    if filters.start:
        interactions = interactions.filter(opened_at__gte=filters.start)
    if filters.end:
        interactions = interactions.filter(opened_at__lt=filters.end)
    if filters.origin:
        interactions = interactions.filter(number=filters.origin)
    if filters.campaigns:
        interactions = interactions.filter(campaign_id__in=filters.campaigns)
    if filters.agents:
        interactions = interactions.filter(agent_id__in=filters.agents)
    if filters.text:
        if expected is None:
            expected = expected_matches(filters.text)
        interactions = _text_filter(interactions, filters.text, expected)
    return interactions.order_by("-opened_at", "-id")


def after_cursor(interactions: QuerySet[Interaction], cursor: str) -> QuerySet[Interaction]:
    moment, pk = decode_cursor(cursor)
    return interactions.filter(Q(opened_at__lt=moment) | Q(opened_at=moment, pk__lt=pk))


@dataclass
class Page:
    rows: list[Interaction]
    next_cursor: str | None
    estimate: int


EXACT_UP_TO = 250


def estimate(interactions: QuerySet[Interaction], expected: int | None = None) -> int:
    """How many rows ``interactions`` holds: exact up to EXACT_UP_TO (a count that stops
    there, so it costs little whatever the history), beyond that as PostgreSQL's planner
    estimates it (one EXPLAIN), never below what was counted."""
    if expected is not None and expected > COMMON_WORDS:
        # A common word: counting is what is slow; the matching messages bound the answer.
        return min(expected, _planned_rows(interactions))
    counted = interactions.order_by().values("pk")[: EXACT_UP_TO + 1].count()
    if counted <= EXACT_UP_TO:
        return counted
    if connection.vendor != "postgresql":  # small histories: count them
        return interactions.count()
    return max(counted, _planned_rows(interactions))


def _planned_rows(interactions: QuerySet[Interaction]) -> int:
    try:
        sql, params = interactions.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return 0
    return _planned(sql, params)


def page_of(
    user: User, filters: Filters, cursor: str = "", size: int = PAGE, *, total: bool = True
) -> Page:
    """One page of recordings with what a row shows, in at most five queries: the text's
    expected matches (with ``q``), the rows (with campaign, closer and message count), their
    agents, and the total (a count up to EXACT_UP_TO, then an EXPLAIN)."""
    expected = expected_matches(filters.text) if filters.text else None
    interactions = recordings_for(user, filters, expected)
    chosen = interactions
    if cursor:
        chosen = after_cursor(chosen, cursor)
    counts = (
        Message.objects.filter(interaction=OuterRef("pk"))
        .order_by()
        .values("interaction")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        chosen.select_related("campaign", "agent", "closed_by").annotate(
            message_count=Coalesce(Subquery(counts), 0)
        )[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    attach_agents(rows)
    return Page(
        rows=rows,
        next_cursor=encode_cursor(rows[-1]) if more else None,
        estimate=(len(rows) if not more and not cursor else estimate(interactions, expected))
        if total
        else 0,
    )


def attach_agents(rows: list[Interaction]) -> None:
    """``row.agents``: who held each interaction, in order (one query for the page)."""
    held: dict[int, list[User]] = {row.pk: [] for row in rows}
    if rows:
        assignments = (
            Assignment.objects.filter(interaction_id__in=held)
            .select_related("agent")
            .order_by("assigned_at", "id")
        )
        for assignment in assignments:
            names = held[assignment.interaction_id]
            if assignment.agent not in names:
                names.append(assignment.agent)
    for row in rows:
        agents = held[row.pk]
        if not agents and row.agent is not None:  # SendSMS with an agent: kept, never assigned
            agents = [row.agent]
        row.agents = agents


def outcome(interaction: Interaction) -> dict[str, Any]:
    """How the interaction ended, as a row shows it: answered, abandoned (closed while waiting,
    nobody answered) or an outbound message; and who closed it."""
    from conversations.states import CloseReason, InteractionState

    if interaction.state != InteractionState.CLOSED:
        key = interaction.state
        label = interaction.get_state_display()
    elif interaction.close_reason == CloseReason.OUTBOUND:
        key, label = "outbound", _("Outbound message")
    elif interaction.first_reply_at:
        key, label = "answered", _("Answered")
    else:
        key, label = "abandoned", _("Abandoned")
    closer = interaction.closed_by
    return {
        "outcome": key,
        "outcome_label": label,
        "close_reason": interaction.close_reason,
        "closed_by": display_name(closer) if closer else "",
    }


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username
