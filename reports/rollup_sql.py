# ruff: noqa: S608  (SQL text built from this module's constants and a checked zone name only)
"""The SQL that keeps ``reports_rollup``: one definition of what an interaction and a message
contribute, used both by the triggers (one row at a time, as rows change) and by the rebuild
(every row of a range at once), so the two can never disagree.

Why triggers: interactions change through bulk ``UPDATE``s (assignment passes, closes) and
``COPY`` (``seed_history``) as well as ``save()``, and Django's signals see none of the first
two. A row trigger with a ``WHEN`` condition costs nothing for the updates that change no
figure (unread counts, ``seq``, last activity, delivery reports), and one upsert for the ones
that do. A webhook's insert of an inbound message (no interaction yet) fires nothing.
"""

from __future__ import annotations

from reports.buckets import BOUNDS, BUCKET_COLUMNS

# The figures summed per row, in the order reports show them (reports.selectors reads them).
FIGURES: tuple[str, ...] = (
    "received",
    "answered",
    "answered_in_sl",
    "abandoned",
    "first_response_ms",
    "handled",
    "handling_ms",
    "messages_in",
    "messages_out",
    "messages_failed",
    "segments_out",
)
SUM_COLUMNS: tuple[str, ...] = (*FIGURES, *BUCKET_COLUMNS)
KEY = ("day", "campaign_id", "agent_id")


def _ms(interval: str) -> str:
    return f"GREATEST(0, (EXTRACT(EPOCH FROM ({interval})) * 1000)::bigint)"


def _zone_literal(zone: str) -> str:
    if "'" in zone:
        raise ValueError(f"not a time zone: {zone!r}")
    return f"'{zone}'"


def interaction_rows(source: str, zone: str, where: str = "TRUE") -> str:
    """A SELECT of the contribution of every interaction in ``source`` (aliased ``i``; joined
    with its campaign ``c``) in columns KEY + SUM_COLUMNS, one row per interaction.

    Counted: interactions a customer opened (or a dialer message whose customer wrote back),
    not the ones an agent started nor dialer / SendSMS sends closed at once. Waiting time runs
    from ``queued_at`` (kept across requeues), else ``opened_at``."""
    start = "COALESCE(i.queued_at, i.opened_at)"
    answered = "(i.first_reply_at IS NOT NULL)"
    frt = _ms(f"i.first_reply_at - {start}")
    settled = f"({answered} OR i.state = 'closed')"
    handled = "(i.state = 'closed' AND i.assigned_at IS NOT NULL AND i.agent_id IS NOT NULL)"
    bounds = "ARRAY[" + ",".join(str(b * 1000) for b in BOUNDS) + "]::bigint[]"
    buckets = ", ".join(
        f"CASE WHEN {answered} AND width_bucket({frt}, {bounds}) = {k} THEN 1 ELSE 0 END"
        for k in range(len(BUCKET_COLUMNS))
    )
    return f"""
        SELECT (i.opened_at AT TIME ZONE {_zone_literal(zone)})::date AS day,
               i.campaign_id,
               CASE WHEN {settled} THEN COALESCE(i.agent_id, 0) ELSE 0 END AS agent_id,
               1 AS received,
               CASE WHEN {answered} THEN 1 ELSE 0 END,
               CASE WHEN {answered}
                    AND i.first_reply_at - {start}
                        <= make_interval(secs => c.threshold_service_level)
                    THEN 1 ELSE 0 END,
               CASE WHEN i.state = 'closed' AND NOT {answered}
                    AND i.closed_at - {start} > make_interval(secs => c.threshold_abandon)
                    THEN 1 ELSE 0 END,
               CASE WHEN {answered} THEN {frt} ELSE 0 END,
               CASE WHEN {handled} THEN 1 ELSE 0 END,
               CASE WHEN {handled} THEN {_ms("i.closed_at - i.assigned_at")} ELSE 0 END,
               0, 0, 0, 0,
               {buckets}
          FROM {source} i
          JOIN campaigns_campaign c ON c.id = i.campaign_id
         WHERE i.origin <> 'agent' AND i.close_reason <> 'outbound' AND ({where})"""


def message_rows(source: str, zone: str, where: str = "TRUE") -> str:
    """A SELECT of the contribution of every message in ``source`` (aliased ``m``) that is in
    an interaction: in / out / failed counts and the segments of outbound messages not failed,
    on the message's day, under its author (outbound) or the interaction's holder at that
    instant (inbound)."""
    holder = """(SELECT a.agent_id FROM conversations_assignment a
                  WHERE a.interaction_id = m.interaction_id AND a.assigned_at <= m.created_at
                    AND (a.released_at IS NULL OR a.released_at > m.created_at)
                  ORDER BY a.assigned_at DESC LIMIT 1)"""
    out = "(m.direction = 'out')"
    failed = f"({out} AND m.delivery = 'failed')"
    zeros = ", ".join("0" for _ in BUCKET_COLUMNS)
    return f"""
        SELECT (m.created_at AT TIME ZONE {_zone_literal(zone)})::date AS day,
               i.campaign_id,
               COALESCE(CASE WHEN {out} THEN m.agent_id ELSE {holder} END, 0) AS agent_id,
               0, 0, 0, 0, 0, 0, 0,
               CASE WHEN {out} THEN 0 ELSE 1 END,
               CASE WHEN {out} THEN 1 ELSE 0 END,
               CASE WHEN {failed} THEN 1 ELSE 0 END,
               CASE WHEN {out} AND NOT {failed} THEN m.segments ELSE 0 END,
               {zeros}
          FROM {source} m
          JOIN conversations_interaction i ON i.id = m.interaction_id
         WHERE ({where})"""


CAMPAIGN_ROW = -1  # agent_id of a day's whole-campaign row


def upsert(select: str) -> str:
    """Add the rows of ``select`` (any number per key, signed) to the rollups: each to its
    agent's row and to the campaign's row of the day (agent ``CAMPAIGN_ROW``), in one statement.
    The campaign rows are what campaign, day and total figures read: a 30-day report over
    every campaign sums 20 × 30 of them instead of tens of thousands of agent rows."""
    columns = ", ".join(KEY + SUM_COLUMNS)
    sums = ", ".join(f"SUM(x.{c})" for c in SUM_COLUMNS)
    updates = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in SUM_COLUMNS)
    return f"""
        INSERT INTO reports_rollup AS t ({columns})
        SELECT x.day, x.campaign_id, a.agent_id, {sums}
          FROM ({select}) AS x ({columns})
         CROSS JOIN LATERAL (VALUES (x.agent_id), ({CAMPAIGN_ROW})) AS a (agent_id)
         GROUP BY x.day, x.campaign_id, a.agent_id
        ON CONFLICT (day, campaign_id, agent_id) DO UPDATE SET {updates}"""


def _signed(select: str, sign: int) -> str:
    cols = ", ".join(f"{sign} * s.{c}" for c in SUM_COLUMNS)
    return (
        f"SELECT s.day, s.campaign_id, s.agent_id, {cols} FROM ({select}) AS s ("
        + ", ".join(KEY + SUM_COLUMNS)
        + ")"
    )


# A change matters only when it can change a figure: for an interaction, anything the
# contribution reads once it is answered or closed ("settled"), plus what keys it before.
SETTLED = "({r}.first_reply_at IS NOT NULL OR {r}.state = 'closed')"
INTERACTION_WHEN = (
    "(OLD.campaign_id <> NEW.campaign_id OR OLD.opened_at <> NEW.opened_at"
    " OR OLD.origin <> NEW.origin OR OLD.close_reason <> NEW.close_reason"
    f" OR (({SETTLED.format(r='OLD')} OR {SETTLED.format(r='NEW')}) AND ("
    " OLD.state <> NEW.state OR OLD.agent_id IS DISTINCT FROM NEW.agent_id"
    " OR OLD.queued_at IS DISTINCT FROM NEW.queued_at"
    " OR OLD.assigned_at IS DISTINCT FROM NEW.assigned_at"
    " OR OLD.first_reply_at IS DISTINCT FROM NEW.first_reply_at"
    " OR OLD.closed_at IS DISTINCT FROM NEW.closed_at)))"
)
MESSAGE_WHEN = (
    "(OLD.interaction_id IS DISTINCT FROM NEW.interaction_id OR (NEW.interaction_id IS NOT NULL"
    " AND (OLD.segments <> NEW.segments OR OLD.created_at <> NEW.created_at"
    " OR OLD.direction <> NEW.direction OR OLD.agent_id IS DISTINCT FROM NEW.agent_id"
    " OR (OLD.delivery = 'failed') <> (NEW.delivery = 'failed'))))"
)


def install_statements(zone: str) -> list[str]:
    """Functions and triggers for ``zone`` (replacing any earlier ones)."""
    old_i = interaction_rows("(SELECT (o).*)", zone)
    new_i = interaction_rows("(SELECT (n).*)", zone)
    old_m = message_rows("(SELECT (o).*)", zone)
    new_m = message_rows("(SELECT (n).*)", zone)
    return [
        *uninstall_statements(),
        f"""CREATE FUNCTION reports_move_interaction(o conversations_interaction,
                                                     n conversations_interaction)
            RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$ BEGIN
            {upsert(_signed(old_i, -1) + " UNION ALL " + _signed(new_i, 1))}; END $$""",
        f"""CREATE FUNCTION reports_add_interaction(n conversations_interaction)
            RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$ BEGIN
            {upsert(new_i)}; END $$""",
        f"""CREATE FUNCTION reports_move_message(o conversations_message,
                                                 n conversations_message)
            RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$ BEGIN
            {upsert(_signed(old_m, -1) + " UNION ALL " + _signed(new_m, 1))}; END $$""",
        f"""CREATE FUNCTION reports_add_message(n conversations_message)
            RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$ BEGIN
            {upsert(new_m)}; END $$""",
        """CREATE FUNCTION reports_interaction_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'INSERT' THEN PERFORM reports_add_interaction(NEW);
              ELSE PERFORM reports_move_interaction(OLD, NEW); END IF;
              RETURN NULL;
            END $$""",
        """CREATE FUNCTION reports_message_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'INSERT' THEN PERFORM reports_add_message(NEW);
              ELSE PERFORM reports_move_message(OLD, NEW); END IF;
              RETURN NULL;
            END $$""",
        """CREATE TRIGGER reports_interaction_insert AFTER INSERT ON conversations_interaction
            FOR EACH ROW EXECUTE FUNCTION reports_interaction_changed()""",
        f"""CREATE TRIGGER reports_interaction_update AFTER UPDATE ON conversations_interaction
            FOR EACH ROW WHEN {INTERACTION_WHEN} EXECUTE FUNCTION reports_interaction_changed()""",
        """CREATE TRIGGER reports_message_insert AFTER INSERT ON conversations_message
            FOR EACH ROW WHEN (NEW.interaction_id IS NOT NULL)
            EXECUTE FUNCTION reports_message_changed()""",
        f"""CREATE TRIGGER reports_message_update AFTER UPDATE ON conversations_message
            FOR EACH ROW WHEN {MESSAGE_WHEN} EXECUTE FUNCTION reports_message_changed()""",
    ]


# The triggers above, per table: what a bulk load switches off (``rollups.triggers_off``).
TRIGGERS: dict[str, tuple[str, ...]] = {
    "conversations_interaction": ("reports_interaction_insert", "reports_interaction_update"),
    "conversations_message": ("reports_message_insert", "reports_message_update"),
}


def uninstall_statements() -> list[str]:
    return [
        *(
            f"DROP TRIGGER IF EXISTS {name} ON {table}"
            for table, names in TRIGGERS.items()
            for name in names
        ),  # fmt: skip
        "DROP FUNCTION IF EXISTS reports_interaction_changed()",
        "DROP FUNCTION IF EXISTS reports_message_changed()",
        "DROP FUNCTION IF EXISTS reports_move_interaction(conversations_interaction,"
        " conversations_interaction)",
        "DROP FUNCTION IF EXISTS reports_add_interaction(conversations_interaction)",
        "DROP FUNCTION IF EXISTS reports_move_message(conversations_message,"
        " conversations_message)",
        "DROP FUNCTION IF EXISTS reports_add_message(conversations_message)",
    ]
