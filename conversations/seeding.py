"""Realistic conversation history in bulk (``manage.py seed_history``): benchmarks, and later
issues (recordings, reports) that need millions of messages to measure against.

What is made, for ``messages`` N over ``interactions`` I (default N / 10) in ``campaigns``
campaigns, ``agents`` agents and the last ``days`` days:
- campaigns ``History 01``… (two providers, round robin between them; maximum per agent
  ``max_per_agent``), their busiest about five times the quietest; every agent is a member of
  two campaigns;
- interactions spread over the days (office hours mostly, some at night), 90 % opened by a
  customer, 7 % by a dialer message, 3 % by an agent; 3 to 17 messages each (N / I on average),
  both directions, outbound ones delivered (most), sent or failed;
- one ``Assignment`` per interaction an agent held (2 % were requeued once before: two rows);
- open interactions consistent with the rules: every agent signed in, present and holding
  exactly ``max_per_agent`` interactions (so nobody has a free slot), a few more queued in the
  campaigns' queues; every other interaction closed (2 % closed waiting, without an agent).

No message is left ``queued`` for sending and none ``pending`` for routing: a worker finds
nothing to do in this history. On PostgreSQL the rows go in with ``COPY`` in chunks, ids
reserved from the tables' sequences first; elsewhere (SQLite) with ``bulk_create``, for small
sizes only (SQLITE_LIMIT messages).

Report rollups (PostgreSQL): the rows go in with the rollup triggers off (a trigger's upsert per
row costs far more than the ``COPY``): on empty tables every trigger is off for the load's
transaction (``session_replication_role = replica``); adding to a history, ``history_loading``
is sent before and ``history_load_ended`` after, whatever happens (``reports.signals`` switches
only the rollup triggers off, then on again). Then ``history_loaded`` names the instants
written between and reports recounts those days' rollups once (a day per transaction), so the
reports match the history when the command ends. Signals, because reports sits above conversations
(docs/architecture.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import SecurityGroup, User
from accounts.roles import Role
from agents.models import AgentStateChange, AgentStatus
from agents.states import AgentState
from campaigns.models import Campaign, CampaignMember
from conversations.bulk_load import history_load_ended, history_loaded, history_loading
from conversations.load import loads
from conversations.models import Assignment, Interaction, Message
from conversations.states import (
    Author,
    BotKind,
    CloseReason,
    Delivery,
    Direction,
    InteractionState,
    Origin,
    Routing,
)
from providers.delivery import DeliveryStatus
from providers.models import Provider

SQLITE_LIMIT = 200_000
CHUNK = 20_000  # interactions per COPY transaction

CUSTOMER_TEXTS = [
    "Hi, I have a question about my last invoice",
    "Hello, is my order on its way?",
    "I want to change my appointment to next week please",
    "Ok thanks",
    "Yes",
    "No, that is not right, I was charged twice",
    "Can you call me back after 5pm?",
    "My account number is 4471-2231",
    "Great, thank you very much!",
    "When does the promotion end?",
    "I did not receive the code",
    "Please cancel the subscription",
]
AGENT_TEXTS = [
    "Hello! Thanks for writing, let me check that for you.",
    "Could you give me your customer number, please?",
    "I see it now. The refund will reach your account in 3 to 5 working days.",
    "Your order left our warehouse today; tracking number AB123456.",
    "Done, your appointment is now on Tuesday at 10:30.",
    "Is there anything else I can help you with?",
    "Thanks for your patience. Have a nice day!",
    "I have sent you a new code; it is valid for 10 minutes.",
]
DIALER_TEXT = "Your appointment is confirmed for tomorrow at 10:30. Reply to this SMS for help."
FAILED_ERROR = "undelivered: absent subscriber"

INTERACTION_COLUMNS = [
    "id", "campaign_id", "provider_id", "number", "state", "origin", "agent_id", "opened_at",
    "queued_at", "assigned_at", "first_reply_at", "last_customer_at", "last_activity_at",
    "closed_at", "closed_by_id", "close_reason", "out_of_time_until", "unread", "seq",
]  # fmt: skip
MESSAGE_COLUMNS = [
    "id", "interaction_id", "direction", "author", "agent_id", "bot_kind", "provider_id",
    "provider_message_id", "number", "did", "text", "encoding", "segments", "routing",
    "delivery", "report_status", "error", "attempts", "seq", "created_at", "sent_at",
    "status_at", "raw",
]  # fmt: skip
ASSIGNMENT_COLUMNS = [
    "id", "interaction_id", "campaign_id", "agent_id", "assigned_at", "released_at",
    "release_reason",
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Sizes:
    messages: int
    interactions: int
    agents: int = 500
    campaigns: int = 20
    days: int = 90
    max_per_agent: int = 3
    queued: int = -1  # -1: one per thousand interactions, at least one
    seed: int = 1

    def __post_init__(self) -> None:
        if self.interactions < 1 or self.messages < self.interactions:
            raise ValueError("need at least one interaction and one message per interaction")
        if min(self.agents, self.campaigns, self.days, self.max_per_agent) < 1:
            raise ValueError("agents, campaigns, days and max_per_agent must be at least 1")

    @property
    def waiting(self) -> int:
        queued = max(1, self.interactions // 1000) if self.queued < 0 else self.queued
        return min(queued, self.interactions // 10)

    @property
    def held(self) -> int:
        """Interactions assigned now: every agent at the maximum (as far as there are enough)."""
        return min(self.agents * self.max_per_agent, self.interactions // 4)


@dataclasses.dataclass
class World:
    """The campaigns and agents the history belongs to."""

    campaigns: list[Campaign]
    agents: list[int]
    members: dict[int, list[int]]  # campaign id -> agent ids
    agent_campaigns: dict[int, list[Campaign]]
    weights: list[float]


def make_world(sizes: Sizes) -> World:
    """Campaigns, providers and agents of the history (found again by name on a second run)."""
    group, _ = SecurityGroup.objects.get_or_create(name="History")
    providers = [_provider("History SMS"), _provider("History SMS 2")]
    campaigns = []
    for k in range(sizes.campaigns):
        campaign, _ = Campaign.objects.get_or_create(
            name=f"History {k + 1:02d}",
            defaults={
                "security_group": group,
                "provider": providers[k % 2],
                "did": f"7{k + 1:03d}",
                "max_interactions_per_agent": sizes.max_per_agent,
                "out_of_time_message": "We are closed; we answer from 9 to 18.",
            },
        )
        campaigns.append(campaign)
    names = [f"hist-agent-{a + 1:04d}" for a in range(sizes.agents)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=n, role=Role.AGENT, password="!") for n in names if n not in existing]
    )
    agents = list(
        User.objects.filter(username__in=names).order_by("username").values_list("pk", flat=True)
    )
    group.users.add(*agents)
    memberships = [
        CampaignMember(campaign=campaigns[(a + j) % len(campaigns)], agent_id=agent)
        for a, agent in enumerate(agents)
        for j in range(min(2, len(campaigns)))
    ]
    CampaignMember.objects.bulk_create(memberships, ignore_conflicts=True)
    members: dict[int, list[int]] = {c.pk: [] for c in campaigns}
    agent_campaigns: dict[int, list[Campaign]] = {a: [] for a in agents}
    by_pk = {c.pk: c for c in campaigns}
    for campaign_id, agent_id in CampaignMember.objects.filter(
        campaign__in=campaigns, agent_id__in=agents
    ).values_list("campaign_id", "agent_id"):
        members[campaign_id].append(agent_id)
        agent_campaigns[agent_id].append(by_pk[campaign_id])
    weights = [1 / (k + 1) ** 0.6 for k in range(len(campaigns))]
    return World(campaigns, agents, members, agent_campaigns, weights)


def _provider(name: str) -> Provider:
    from providers.services import save_provider

    found = Provider.objects.filter(name=name).first()
    if found:
        return found
    return save_provider(
        provider=None,
        values={"name": name, "api_type": "URLSMS", "endpoint": "http://127.0.0.1:9/send"},
        secrets={},
    )


class Ids:
    """Consecutive ids reserved for one table: from its sequence on PostgreSQL (moved past the
    range at once, so the application's own inserts never collide), after the largest one
    elsewhere."""

    def __init__(self, model: type, count: int) -> None:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                (sequence,) = cursor.fetchone()
                with transaction.atomic():
                    cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
                    cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
                    (largest,) = cursor.fetchone()
                    cursor.execute("SELECT nextval(%s)", [sequence])
                    self.next = max(largest + 1, cursor.fetchone()[0])
                    cursor.execute("SELECT setval(%s, %s)", [sequence, self.next + count])
            else:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
                self.next = cursor.fetchone()[0] + 1

    def take(self) -> int:
        self.next += 1
        return self.next - 1


@dataclasses.dataclass
class Chunk:
    interactions: list[tuple]
    messages: list[tuple]
    assignments: list[tuple]


class History:
    """Generates the rows, chunk by chunk, in time order (the open interactions last)."""

    def __init__(self, sizes: Sizes, world: World, end: dt.datetime) -> None:
        self.sizes, self.world, self.end = sizes, world, end
        self.random = random.Random(sizes.seed)
        self.start = end - dt.timedelta(days=sizes.days)
        self.interaction_ids = Ids(Interaction, sizes.interactions)
        self.message_ids = Ids(Message, sizes.messages)
        self.assignment_ids = Ids(Assignment, int(sizes.interactions * 1.03) + 10)
        self.customers = max(1000, sizes.interactions // 3)
        # Open interactions: who holds which (each agent up to the maximum), then the queue.
        # A second run tops agents up to the maximum, never above it.
        load = loads(world.agents)
        room = {a: max(0, sizes.max_per_agent - load[a]) for a in world.agents}
        self.holders: list[tuple[int, Campaign]] = []
        for turn in range(sizes.max_per_agent):
            for agent in world.agents:
                if len(self.holders) < sizes.held and room[agent] > turn:
                    options = world.agent_campaigns[agent]
                    self.holders.append((agent, options[(load[agent] + turn) % len(options)]))
        self.closed = sizes.interactions - len(self.holders) - sizes.waiting
        self.message_budget = sizes.messages
        self.average = sizes.messages / sizes.interactions
        self.deviation = 0
        # The first and last instant written (interactions opened, messages, closes): the days
        # whose report rollups are recounted afterwards.
        self.earliest: dt.datetime | None = None
        self.latest: dt.datetime | None = None

    def chunks(self) -> Iterator[Chunk]:
        total = self.sizes.interactions
        for first in range(0, total, CHUNK):
            chunk = Chunk([], [], [])
            for k in range(first, min(total, first + CHUNK)):
                self._interaction(k, chunk)
            yield chunk

    def _count(self, k: int) -> int:
        """Messages of interaction k: ``average`` on the whole, some short, some long (in pairs,
        one as much above as the other below, so the total never drifts); the last one takes
        what is left so the total is exact."""
        remaining = self.sizes.interactions - k
        if remaining == 1:
            return self.message_budget
        if k % 2 == 0:
            spread = max(0, min(7, int(self.average) - 1))
            self.deviation = self.random.randint(-spread, spread)
        else:
            self.deviation = -self.deviation
        count = int(self.average) + self.deviation
        # Never leave the remaining interactions less than one message each.
        count = max(1, min(count, self.message_budget - (remaining - 1)))
        self.message_budget -= count
        return count

    def _interaction(self, k: int, chunk: Chunk) -> None:
        rnd = self.random
        iid = self.interaction_ids.take()
        count = self._count(k)
        closed = k < self.closed
        held = not closed and k < self.closed + len(self.holders)
        origin = rnd.choices(
            [Origin.CUSTOMER, Origin.DIALER, Origin.AGENT], weights=[90, 7, 3], k=1
        )[0]
        if held:
            agent, campaign = self.holders[k - self.closed]
        else:
            campaign = rnd.choices(self.world.campaigns, weights=self.world.weights, k=1)[0]
            agent = rnd.choice(self.world.members[campaign.pk] or [None])
        expired = closed and rnd.random() < 0.02
        queued = not closed and not held
        if expired or queued:
            agent, origin = None, Origin.CUSTOMER
        if origin == Origin.AGENT and agent is None:
            origin = Origin.CUSTOMER
        provider_id = campaign.provider_id
        # Times: messages a few seconds to a few minutes apart.
        gaps = [rnd.randint(5, 300) for _ in range(count)]
        span = sum(gaps)
        if closed:
            day = self.start + dt.timedelta(days=k * self.sizes.days // max(1, self.closed))
            office = rnd.random() < 0.9
            second = rnd.randint(8 * 3600, 20 * 3600) if office else rnd.randint(0, 86399)
            opened = day.replace(hour=0, minute=0, second=0, microsecond=0)
            opened += dt.timedelta(seconds=second)
            opened = min(opened, self.end - dt.timedelta(seconds=span + 3600))
        else:
            opened = self.end - dt.timedelta(seconds=span + rnd.randint(60, 3 * 3600))
        number = (
            f"+5989{(iid * 2654435761) % self.customers:07d}"
            if closed
            else f"+5988{iid % 10_000_000:07d}"
        )
        did = campaign.did
        at = opened
        first_reply = last_customer = None
        unread = 0
        seq = 0
        for position in range(count):
            at += dt.timedelta(seconds=gaps[position])
            mid = self.message_ids.take()
            seq += 1
            if position == 0:
                inbound = origin == Origin.CUSTOMER
            elif agent is None:
                inbound = True
            else:
                inbound = rnd.random() < 0.5
            if inbound:
                last_customer = at
                unread = unread + 1 if not closed else 0
                chunk.messages.append(
                    (mid, iid, Direction.IN, Author.CUSTOMER, None, "", provider_id,
                     f"hist-in-{mid:012d}", number, did, rnd.choice(CUSTOMER_TEXTS), "GSM", 1,
                     Routing.ROUTED, "", DeliveryStatus.UNKNOWN, "", 0, seq, at, None, None,
                     "{}")
                )  # fmt: skip
                continue
            unread = 0
            bot = position == 0 and origin == Origin.DIALER
            author, bot_kind = (Author.BOT, BotKind.DIALER) if bot else (Author.AGENT, "")
            text = DIALER_TEXT if bot else rnd.choice(AGENT_TEXTS)
            if not bot and first_reply is None:
                first_reply = at
            fate = rnd.random()
            if fate < 0.92 or (not closed and position < count - 1):
                delivery, report, error = Delivery.DELIVERED, DeliveryStatus.DELIVERED, ""
            elif fate < 0.97:
                delivery, report, error = Delivery.SENT, DeliveryStatus.SENT, ""
            else:
                delivery, report, error = Delivery.FAILED, DeliveryStatus.UNDELIVERED, FAILED_ERROR
            chunk.messages.append(
                (mid, iid, Direction.OUT, author, None if bot else agent, bot_kind, provider_id,
                 f"hist-out-{mid:012d}", number, "", text, "GSM", 1 + len(text) // 161, "",
                 delivery, report, error, 1, seq, at, at, at + dt.timedelta(seconds=4), "{}")
            )  # fmt: skip
        last = at
        queued_at = opened
        self.earliest = min(opened, self.earliest or opened)
        assigned_at = None
        if agent is not None:
            assigned_at = opened + dt.timedelta(seconds=min(gaps[0], rnd.randint(1, 60)))
            seq += 1
        closed_at = closed_by = None
        reason = ""
        if closed:
            closed_at = last + dt.timedelta(seconds=rnd.randint(10, 600))
            seq += 1
            if expired:
                reason = CloseReason.EXPIRED
            elif rnd.random() < 0.03:
                reason = CloseReason.SUPERVISOR
            else:
                reason, closed_by = CloseReason.AGENT, agent
        self.latest = max(closed_at or last, self.latest or last)
        state = (
            InteractionState.CLOSED
            if closed
            else InteractionState.ASSIGNED
            if held
            else InteractionState.QUEUED
        )
        chunk.interactions.append(
            (iid, campaign.pk, provider_id, number, state, origin, agent, opened, queued_at,
             assigned_at, first_reply, last_customer, last if not closed else closed_at,
             closed_at, closed_by, reason, None, unread, seq)
        )  # fmt: skip
        if agent is None:
            return
        if closed and rnd.random() < 0.02:  # held by another agent first, requeued at sign-out
            others = [a for a in self.world.members[campaign.pk] if a != agent]
            if others:
                released = assigned_at + (last - assigned_at) / 2
                chunk.assignments.append(
                    (self.assignment_ids.take(), iid, campaign.pk, rnd.choice(others),
                     assigned_at, released, "requeued")
                )  # fmt: skip
                assigned_at = released
        chunk.assignments.append(
            (self.assignment_ids.take(), iid, campaign.pk, agent, assigned_at, closed_at,
             "closed" if closed else "")
        )  # fmt: skip


def seed_history(sizes: Sizes, *, progress: Callable[[str], None] = print) -> dict[str, int]:
    """Make the history; returns how many rows of each kind were written."""
    if connection.vendor != "postgresql" and sizes.messages > SQLITE_LIMIT:
        raise ValueError(
            f"{connection.vendor} takes at most {SQLITE_LIMIT:,} messages here (bulk_create); "
            "use PostgreSQL (DATABASE_URL=postgres://...) for larger histories"
        )
    world = make_world(sizes)
    end = timezone.now()
    history = History(sizes, world, end)
    written = {"interactions": 0, "messages": 0, "assignments": 0}
    if connection.vendor != "postgresql":
        _write_chunks(history, _bulk_chunk, written, progress, each_in_transaction=True)
    elif _fresh_and_superuser():
        # Empty tables: one transaction, secondary indexes built once at the end (much faster
        # than maintained row by row; unique ones check the rows when rebuilt), foreign-key
        # triggers off (the rows are made consistent). Interrupted: all rolled back.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            indexes = _secondary_indexes(cursor)
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            _write_chunks(history, _copy_chunk, written, progress, each_in_transaction=False)
            progress(f"building {len(indexes)} indexes")
            for _name, definition in indexes:
                cursor.execute(definition)
    else:
        # Adding to a history the application may be using: only the rollup triggers go off
        # (for everyone: what is written meanwhile on the days recounted below is counted).
        history_loading.send(sender=Interaction)
        try:
            _write_chunks(history, _copy_chunk, written, progress, each_in_transaction=True)
        finally:
            history_load_ended.send(sender=Interaction)
    _present(world, history, end)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Interaction, Message, Assignment):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        _recount_rollups(history, end, progress)
    return written


def _recount_rollups(history: History, end: dt.datetime, progress: Callable[[str], None]) -> None:
    """The instants the history wrote between, through to now (the application's writes while
    the triggers were off), told to whoever keeps figures from it (reports recounts those days'
    rollups)."""
    if history.earliest is None:
        return
    latest = max(end, timezone.now(), history.latest or end)
    for _receiver, said in history_loaded.send(
        sender=Interaction, earliest=history.earliest, latest=latest
    ):
        if said:
            progress(said)


TABLES = [m._meta.db_table for m in (Interaction, Message, Assignment)]


def _fresh_and_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        (superuser,) = cursor.fetchone()
    empty = not any(m.objects.exists() for m in (Interaction, Message, Assignment))
    return superuser and empty


def _secondary_indexes(cursor) -> list[tuple[str, str]]:  # noqa: ANN001
    """The three tables' indexes that back no constraint (primary keys stay)."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
        "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))"
        "::regclass)",
        [TABLES],
    )
    return list(cursor.fetchall())


def _write_chunks(
    history: History,
    write: Callable[[Chunk], None],
    written: dict[str, int],
    progress: Callable[[str], None],
    *,
    each_in_transaction: bool,
) -> None:
    for chunk in history.chunks():
        if each_in_transaction:
            with transaction.atomic():
                write(chunk)
        else:
            write(chunk)
        written["interactions"] += len(chunk.interactions)
        written["messages"] += len(chunk.messages)
        written["assignments"] += len(chunk.assignments)
        progress(
            f"{written['interactions']:,} interactions, {written['messages']:,} messages, "
            f"{written['assignments']:,} assignments"
        )


def _copy_chunk(chunk: Chunk) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for model, columns, rows in (
            (Interaction, INTERACTION_COLUMNS, chunk.interactions),
            (Message, MESSAGE_COLUMNS, chunk.messages),
            (Assignment, ASSIGNMENT_COLUMNS, chunk.assignments),
        ):
            sql = f'COPY "{model._meta.db_table}" ({", ".join(columns)}) FROM STDIN'
            with raw.copy(sql) as copy:
                for first in range(0, len(rows), 10_000):
                    copy.write("".join(_tsv(row) for row in rows[first : first + 10_000]))


def _tsv(row: tuple) -> str:
    """One line of COPY's text format (the generated values hold no tab, newline or backslash)."""
    return "\t".join("\\N" if v is None else str(v) for v in row) + "\n"


def _bulk_chunk(chunk: Chunk) -> None:
    for model, columns, rows in (
        (Interaction, INTERACTION_COLUMNS, chunk.interactions),
        (Message, MESSAGE_COLUMNS, chunk.messages),
        (Assignment, ASSIGNMENT_COLUMNS, chunk.assignments),
    ):
        objects = []
        for row in rows:
            values = dict(zip(columns, row, strict=True))  # columns are the attribute names
            if "raw" in values:
                values["raw"] = {}
            objects.append(model(**values))
        model.objects.bulk_create(objects, batch_size=2000)


def _present(world: World, history: History, now: dt.datetime) -> None:
    """Agents holding interactions are signed in, present and busy (every state change of
    theirs timestamped); the others are disconnected."""
    busy = {agent for agent, _campaign in history.holders}
    AgentStatus.objects.bulk_create(
        [AgentStatus(agent_id=a) for a in world.agents], ignore_conflicts=True
    )
    changed = list(AgentStatus.objects.filter(agent_id__in=busy).exclude(state=AgentState.BUSY))
    AgentStateChange.objects.bulk_create(
        AgentStateChange(agent_id=s.agent_id, from_state=s.state, to_state=AgentState.BUSY, at=now)
        for s in changed
    )
    AgentStatus.objects.filter(agent_id__in=busy).update(
        state=AgentState.BUSY, signed_in=True, last_seen_at=now, changed_at=now, break_type=""
    )
