"""Routing through the real services (SPEC §3, §3a): each strategy's choice, the out-of-time
reply once per closed period, disabled campaigns, and every way a slot frees (a raised maximum,
back from a break, sign-in, a campaign taking an unrouted DID).

Time is driven by ``now=`` where the services take it: a schedule is read at that instant."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from agents.models import AgentStatus, BreakType
from campaigns.models import Campaign
from campaigns.services import add_members, remove_members, save_campaign, save_schedule
from conversations.assignment import assign_waiting
from conversations.closing import close_interaction
from conversations.models import Assignment, Interaction, Message
from conversations.presence import set_break, sign_in, sign_out
from conversations.routing import route_message, route_unrouted
from conversations.states import BotKind, InteractionState, Routing
from tests.campaigns.factories import make_campaign, office_hours, provider
from tests.conftest import CeleryWorker, make_user, wait_until
from tests.conversations.factories import inbound, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def broker(private_redis):
    """Tasks published here go to a Redis of this test's own: no worker of another test runs
    them (an assignment at the real time would spoil a test that drives time with ``now=``)."""
    return private_redis


@pytest.fixture(autouse=True)
def break_types(db) -> None:
    # Seeded by a migration, but emptied after every transactional test.
    for name in ("Lunch", "Coffee", "Training"):
        BreakType.objects.get_or_create(name=name)


@pytest.fixture
def routing_worker(broker) -> Iterator[CeleryWorker]:
    """A real worker serving the routing queue, on this test's Redis."""
    worker = CeleryWorker(broker.url, f"routing-{broker.socket_path.stem}", queues=("routing",))
    worker.start()
    yield worker
    worker.stop()


MONTEVIDEO = ZoneInfo("America/Montevideo")
# A Monday: office_hours() is open Monday to Friday, 09:00–18:00 in Montevideo.
MONDAY = dt.date(2030, 1, 7)
assert MONDAY.weekday() == 0


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(
        MONDAY + dt.timedelta(days=day_offset), dt.time(hour, minute), tzinfo=MONTEVIDEO
    )


def agents(group, *names: str) -> list[User]:
    return [make_user(name, "agent", [group]) for name in names]


def write(number: str, *, did: str = "1234", now: dt.datetime | None = None) -> Interaction:
    """The customer ``number`` writes; routing runs; their interaction is returned."""
    message = inbound(provider(), number, did=did)
    assert route_message(message.pk, now=now) == Routing.ROUTED
    message.refresh_from_db()
    return message.interaction


def holder(interaction: Interaction) -> str | None:
    interaction.refresh_from_db()
    return interaction.agent.username if interaction.agent else None


def out_of_time_replies(interaction: Interaction) -> int:
    return interaction.messages.filter(bot_kind=BotKind.OUT_OF_TIME).count()


# ----------------------------------------------------------------------------------- strategies
def test_round_robin_cycles_in_member_order(supervisor, group) -> None:
    campaign = make_campaign(supervisor, strategy="round_robin", max_interactions_per_agent=10)
    ana, ben, cid = (member(campaign, a) for a in agents(group, "ana", "ben", "cid"))
    got = [holder(write(f"09900000{i}")) for i in range(7)]
    assert got == ["ana", "ben", "cid", "ana", "ben", "cid", "ana"]

    # Ben on a break keeps his place in the cycle: after Ana comes Cid, then Ana again.
    set_break(ben, "Lunch")
    assert [holder(write(f"09911111{i}")) for i in range(3)] == ["cid", "ana", "cid"]
    set_break(ben, "")
    assert [holder(write(f"09922222{i}")) for i in range(3)] == ["ana", "ben", "cid"]


def test_round_robin_skips_a_full_member_and_resumes_after_the_last(supervisor, group) -> None:
    campaign = make_campaign(supervisor, strategy="round_robin", max_interactions_per_agent=1)
    ana, ben, cid = (member(campaign, a) for a in agents(group, "ana", "ben", "cid"))
    first = write("099000001")
    assert holder(first) == "ana"
    assert holder(write("099000002")) == "ben"
    close_interaction(interaction_id=first.pk, by=ana)
    # Cid is next after Ben, though Ana is free again.
    assert holder(write("099000003")) == "cid"
    assert holder(write("099000004")) == "ana"


def test_least_recent_picks_the_agent_whose_last_assignment_is_oldest(supervisor, group) -> None:
    sales = make_campaign(supervisor, strategy="least_recent", max_interactions_per_agent=10)
    other = make_campaign(supervisor, name="Other", did="5678", strategy="linear")
    ana, ben, cid = (member(sales, a) for a in agents(group, "ana", "ben", "cid"))
    member(other, ana)
    t = dt.datetime(2030, 1, 7, 12, tzinfo=dt.UTC)
    # Never assigned first, in member order.
    assert [holder(write(f"09900000{i}", now=t + dt.timedelta(minutes=i))) for i in range(3)] == [
        "ana",
        "ben",
        "cid",
    ]
    # Ana gets one in another campaign: her last assignment is now the newest.
    assert holder(write("099555555", did="5678", now=t + dt.timedelta(minutes=3))) == "ana"
    # Round robin would give Ana the next; least recent gives Ben (minute 1), then Cid.
    assert holder(write("099000010", now=t + dt.timedelta(minutes=4))) == "ben"
    assert holder(write("099000011", now=t + dt.timedelta(minutes=5))) == "cid"
    assert holder(write("099000012", now=t + dt.timedelta(minutes=6))) == "ana"


def test_fewest_interactions_counts_today_over_all_campaigns(supervisor, group) -> None:
    sales = make_campaign(supervisor, strategy="fewest_interactions", max_interactions_per_agent=10)
    other = make_campaign(supervisor, name="Other", did="5678", strategy="linear")
    ana, ben, cid = (member(sales, a) for a in agents(group, "ana", "ben", "cid"))
    member(other, ana)
    t = dt.datetime(2030, 1, 7, 15, tzinfo=dt.UTC)
    # Ana handled two today elsewhere; closing them does not undo what she handled.
    for i in range(2):
        done = write(f"09977777{i}", did="5678", now=t + dt.timedelta(minutes=i))
        close_interaction(interaction_id=done.pk, by=ana)
    got = [holder(write(f"09900000{i}", now=t + dt.timedelta(minutes=10 + i))) for i in range(5)]
    # Ben and Cid have none: Ben (in member order), Cid; then 1-1-2: the least recent of Ben and
    # Cid (Ben); then Cid; then all have 2 and Ana's last is the oldest.
    assert got == ["ben", "cid", "ben", "cid", "ana"]
    # Yesterday's assignments do not count.
    assert Assignment.objects.filter(agent=ana).count() == 3


def test_random_spreads_over_every_eligible_member(supervisor, group) -> None:
    campaign = make_campaign(supervisor, strategy="random", max_interactions_per_agent=100)
    ana, ben, cid = (member(campaign, a) for a in agents(group, "ana", "ben", "cid"))
    set_break(cid, "Coffee")
    got = [holder(write(f"0990{i:05d}")) for i in range(60)]
    counts = Counter(got)
    # Cid is on a break: never chosen. Ana and Ben: each ~30 of 60; fewer than 15 for either
    # happens with probability ~1e-4, and a strict alternation (round robin) ~1e-17.
    assert set(counts) == {"ana", "ben"}
    assert min(counts.values()) >= 15
    assert any(a == b for a, b in zip(got, got[1:], strict=False))


def test_linear_fills_the_first_member_before_the_next(supervisor, group) -> None:
    campaign = make_campaign(supervisor, strategy="linear", max_interactions_per_agent=2)
    ana, ben, cid = (member(campaign, a) for a in agents(group, "ana", "ben", "cid"))
    first = write("099000000")
    got = [holder(first)] + [holder(write(f"09900000{i}")) for i in range(1, 5)]
    assert got == ["ana", "ana", "ben", "ben", "cid"]
    close_interaction(interaction_id=first.pk, by=ana)
    assert holder(write("099000009")) == "ana"


# ----------------------------------------------------------------------------------- out of time
def test_out_of_time_reply_once_per_closed_period_then_assigned_at_opening(
    supervisor, group
) -> None:
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    campaign = save_campaign(
        user=supervisor, campaign=campaign, values={}, schedules=[office_hours()]
    )
    (ana,) = (member(campaign, a) for a in agents(group, "ana"))

    # Monday 20:00 and 23:00: closed, one period → one reply; the interaction waits.
    waiting = write("099123456", now=at(0, 20))
    assert (waiting.state, out_of_time_replies(waiting)) == (InteractionState.QUEUED, 1)
    reply = waiting.messages.get(bot_kind=BotKind.OUT_OF_TIME)
    assert (reply.text, reply.author, reply.delivery) == ("We are closed.", "bot", "queued")
    assert write("099123456", now=at(0, 23)).pk == waiting.pk
    assert out_of_time_replies(waiting) == 1
    assert holder(waiting) is None
    # Tuesday 08:59 still closed (same period): nothing assigned, no reply.
    assert assign_waiting(campaign.pk, now=at(1, 8, 59)) == []
    assert write("099123456", now=at(1, 8, 59)).pk == waiting.pk
    assert out_of_time_replies(waiting) == 1

    # Tuesday 09:00: open; the tick's assign_waiting gives it to Ana.
    assert [i.pk for i in assign_waiting(campaign.pk, now=at(1, 9))] == [waiting.pk]
    assert holder(waiting) == "ana"


def test_a_new_closed_period_after_an_opening_gets_another_reply(supervisor, group) -> None:
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    campaign = save_campaign(
        user=supervisor, campaign=campaign, values={}, schedules=[office_hours()]
    )
    waiting = write("099123456", now=at(0, 20))  # nobody in the campaign: it keeps waiting
    assert write("099123456", now=at(1, 10)).pk == waiting.pk  # open: no reply
    assert out_of_time_replies(waiting) == 1
    assert write("099123456", now=at(1, 19)).pk == waiting.pk  # Tuesday evening: a new period
    assert write("099123456", now=at(1, 22)).pk == waiting.pk
    assert out_of_time_replies(waiting) == 2
    # Friday 18:00 to Monday 09:00 is one closed period (the weekend included).
    assert write("099123456", now=at(4, 18)).pk == waiting.pk
    assert write("099123456", now=at(5, 12)).pk == waiting.pk
    assert write("099123456", now=at(7, 8)).pk == waiting.pk
    assert out_of_time_replies(waiting) == 3
    # Signing ana in assigns at the real time when the office happens to be open then (the
    # result must not depend on the hour the suite runs); at Monday 09:00 it is open in any case.
    (ana,) = (member(campaign, a) for a in agents(group, "ana"))
    assign_waiting(campaign.pk, now=at(7, 9))
    assert holder(waiting) == "ana"


def test_a_schedule_closed_then_opened_then_closed_by_its_editor_answers_again(
    supervisor, group
) -> None:
    """A schedule without rules is never open: the first reply's period has no known end.
    An administrator then opens the campaign (the tick runs while it is open) and closes it
    again: the customer who writes in that new closed period hears the reply again."""
    closed = save_schedule(schedule=None, name="Closed", time_zone="UTC", rules=[], holidays=[],
                           security_group=group)  # fmt: skip
    campaign = make_campaign(supervisor)
    campaign = save_campaign(user=supervisor, campaign=campaign, values={}, schedules=[closed])
    waiting = write("099123456")
    assert out_of_time_replies(waiting) == 1
    assert write("099123456").pk == waiting.pk
    assert out_of_time_replies(waiting) == 1

    save_campaign(user=supervisor, campaign=campaign, values={}, schedules=[])  # open at all hours
    assert assign_waiting(campaign.pk) == []  # the tick: open, but nobody to take it
    save_campaign(user=supervisor, campaign=campaign, values={}, schedules=[closed])
    assert write("099123456").pk == waiting.pk
    assert out_of_time_replies(waiting) == 2


def test_an_empty_out_of_time_message_sends_nothing(supervisor, group) -> None:
    campaign = make_campaign(supervisor, out_of_time_message="")
    save_campaign(user=supervisor, campaign=campaign, values={}, schedules=[office_hours()])
    waiting = write("099123456", now=at(0, 20))
    assert waiting.messages.count() == 1
    assert waiting.state == InteractionState.QUEUED


# ----------------------------------------------------------------------------------- disabled
def test_disabled_campaign_stores_and_waits_then_enabling_assigns(
    supervisor, group, routing_worker
) -> None:
    campaign = make_campaign(supervisor, enabled=False)
    save_campaign(user=supervisor, campaign=campaign, values={}, schedules=[office_hours()])
    (ana,) = (member(campaign, a) for a in agents(group, "ana"))
    waiting = write("099123456", now=at(0, 20))  # closed and disabled: not even the reply
    write("099123456", now=at(1, 10))  # open and disabled: nothing assigned
    assert waiting.messages.count() == 2
    assert out_of_time_replies(waiting) == 0
    assert (holder(waiting), Assignment.objects.count()) == (None, 0)

    # Enabled (at all hours now): the save hands the campaign to the routing worker.
    save_campaign(user=supervisor, campaign=campaign, values={"enabled": True}, schedules=[])
    assert wait_until(lambda: holder(waiting) == "ana", 20)
    assert out_of_time_replies(waiting) == 0


# ----------------------------------------------------------------------------------- freed slots
def test_a_raised_maximum_assigns_at_once(supervisor, group, routing_worker) -> None:
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    (ana,) = (member(campaign, a) for a in agents(group, "ana"))
    first, second, third = (write(f"09900000{i}") for i in range(3))
    assert [holder(i) for i in (first, second, third)] == ["ana", None, None]
    save_campaign(user=supervisor, campaign=campaign, values={"max_interactions_per_agent": 3})
    assert wait_until(lambda: holder(second) == holder(third) == "ana", 20)
    # FIFO: the second customer was assigned no later than the third.
    a2, a3 = (Assignment.objects.get(interaction=i) for i in (second, third))
    assert (a2.assigned_at, a2.pk) <= (a3.assigned_at, a3.pk)


def test_back_from_break_assigns(supervisor, group) -> None:
    campaign = make_campaign(supervisor)
    (ana,) = (member(campaign, a) for a in agents(group, "ana"))
    set_break(ana, "Training")
    waiting = write("099123456")
    assert holder(waiting) is None
    assert AgentStatus.objects.get(agent=ana).state == "free_on_break"
    set_break(ana, "")
    assert holder(waiting) == "ana"
    assert AgentStatus.objects.get(agent=ana).state == "busy"


def test_sign_in_assigns_and_sign_out_requeues_at_the_head(supervisor, group) -> None:
    campaign = make_campaign(supervisor, strategy="linear", max_interactions_per_agent=1)
    ana, ben = agents(group, "ana", "ben")
    member(campaign, ana, signed_in=False)
    member(campaign, ben, signed_in=False)
    older = write("099000001")
    newer = write("099000002")
    assert holder(older) is None and holder(newer) is None
    sign_in(ana)
    assert (holder(older), holder(newer)) == ("ana", None)
    sign_out(ana.pk)
    older.refresh_from_db()
    assert older.state == InteractionState.QUEUED
    # Back at the head of the queue with its first waiting time: Ben gets the older one.
    sign_in(ben)
    assert (holder(older), holder(newer)) == ("ben", None)
    sign_in(ana)
    assert holder(newer) == "ana"
    assert Assignment.objects.filter(interaction=older).count() == 2
    assert Assignment.objects.filter(released_at__isnull=True).count() == 2


def test_an_agent_taken_out_of_a_campaign_leaves_its_interactions_and_stays_for_the_rest(
    supervisor, group
) -> None:
    sales = make_campaign(supervisor, strategy="linear", max_interactions_per_agent=1)
    debts = make_campaign(supervisor, name="Debts", did="5555")
    ana, ben = agents(group, "ana", "ben")
    member(sales, ana)
    member(debts, ana)
    held_in_sales = write("099000001")
    held_in_debts = write("099000002", did="5555")
    assert (holder(held_in_sales), holder(held_in_debts)) == ("ana", "ana")
    member(sales, ben)
    assert remove_members(user=supervisor, campaigns=[sales], agents=[ana]) == 1
    # Sales' customer went back to the queue, on to Ben; Debts' stays with Ana, still signed in.
    assert (holder(held_in_sales), holder(held_in_debts)) == ("ben", "ana")
    assert AgentStatus.objects.get(agent=ana).signed_in
    released = Assignment.objects.get(interaction=held_in_sales, agent=ana)
    assert released.release_reason == "membership"
    # Ana takes nothing more from Sales.
    assert holder(write("099000003")) is None


def test_a_new_member_takes_what_waits_at_once(supervisor, group, routing_worker) -> None:
    campaign = make_campaign(supervisor)
    (ana,) = agents(group, "ana")
    sign_in(ana)
    waiting = write("099000001")
    assert holder(waiting) is None  # nobody is a member yet
    assert add_members(user=supervisor, campaigns=[campaign], agents=[ana]) == 1
    assert wait_until(lambda: holder(waiting) == "ana", 20)


def test_unrouted_message_is_routed_once_a_campaign_takes_its_did(supervisor, group) -> None:
    campaign = make_campaign(supervisor)
    (ana,) = (member(campaign, a) for a in agents(group, "ana"))
    lost = inbound(provider(), "099123456", did="9999")
    assert route_message(lost.pk) == Routing.UNROUTED
    assert route_unrouted() == 0
    save_campaign(user=supervisor, campaign=Campaign.objects.get(), values={"did": "9999"})
    route_unrouted()  # what the routing worker does after the save (and may have done already)
    lost.refresh_from_db()
    assert lost.routing == Routing.ROUTED
    assert holder(lost.interaction) == "ana"
    assert Message.objects.filter(routing=Routing.UNROUTED).count() == 0
