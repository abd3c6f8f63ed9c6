"""Routing and assignment invariants under random sequences of what happens in a contact
centre (SPEC §3, §3a): customers write, agents sign in and out, take breaks and close
interactions, supervisors close waiting ones, campaigns open and close, are disabled and
enabled, and their maximum changes. After every step (and after routing settles: the tick's
``assign_waiting`` for every campaign) the machine checks:

- each interaction is held by at most one agent (one unreleased Assignment, the same agent the
  interaction names), and only by a signed-in agent;
- no agent was above the campaign's maximum when an interaction was assigned to them (from
  the Assignment history: the agent's open intervals at that instant);
- no interaction waits while a member of its campaign has a free slot and the campaign is
  open and enabled;
- waiting order is FIFO: an interaction is never assigned while an older one of its campaign
  waits;
- the out-of-time reply goes out once per closed period: at most once, and to every customer
  who writes to an enabled closed campaign while waiting;
- nothing is assigned in a disabled campaign; each agent's stored state is the derived one.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounts.models import User
from agents.models import AgentStateChange, AgentStatus, BreakType
from agents.states import AgentState
from campaigns.models import Campaign, CampaignMember, Schedule
from campaigns.services import save_campaign, save_schedule
from conversations.assignment import assign_waiting
from conversations.closing import close_interaction
from conversations.load import derived_state, loads
from conversations.models import Assignment, Interaction, Message
from conversations.presence import set_break, sign_in, sign_out
from conversations.routing import route_message
from conversations.states import BotKind, CloseReason, InteractionState
from tests.campaigns.factories import make_campaign, provider
from tests.conftest import make_user
from tests.conversations.factories import inbound

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMERS = tuple(f"09900000{i}" for i in range(1, 9))
# Who is a member of which campaign (shared agents: one agent's load counts in both).
MEMBERS = {"A": ("ana", "ben", "dan"), "B": ("ben", "cid", "dan")}
DIDS = {"A": "1001", "B": "1002"}
STRATEGIES = {"A": "round_robin", "B": "fewest_interactions"}
AGENTS = ("ana", "ben", "cid", "dan")
BREAK = "Lunch"


class World:
    """What every example starts from: the users, the campaigns and their members."""

    def __init__(self, supervisor: User, group) -> None:
        self.supervisor = supervisor
        BreakType.objects.get_or_create(name=BREAK)
        self.closed = save_schedule(schedule=None, name="Closed", time_zone="UTC", rules=[],
                                    holidays=[], security_group=group)  # fmt: skip
        self.agents = {name: make_user(name, "agent", [group]) for name in AGENTS}
        self.campaigns: dict[str, Campaign] = {}
        for key in MEMBERS:
            self.campaigns[key] = make_campaign(
                supervisor, name=f"Campaign {key}", did=DIDS[key], strategy=STRATEGIES[key],
                max_interactions_per_agent=2,
            )  # fmt: skip
            for name in MEMBERS[key]:
                CampaignMember.objects.create(campaign=self.campaigns[key], agent=self.agents[name])

    def fresh(self, key: str) -> Campaign:
        """The campaign as stored (the instances kept here go stale after a reset)."""
        return Campaign.objects.get(pk=self.campaigns[key].pk)

    def reset(self) -> None:
        """Back to the start: nothing received, everyone signed out, campaigns open, max 2."""
        Assignment.objects.all().delete()
        Message.objects.all().delete()
        Interaction.objects.all().delete()
        AgentStateChange.objects.all().delete()
        AgentStatus.objects.all().delete()
        for campaign in self.campaigns.values():
            Campaign.objects.filter(pk=campaign.pk).update(
                enabled=True, max_interactions_per_agent=2
            )
            campaign.schedules.clear()


class Routing(RuleBasedStateMachine):
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.world.reset()
        self.signed_in = dict.fromkeys(AGENTS, False)
        self.on_break = dict.fromkeys(AGENTS, False)
        self.open = dict.fromkeys(MEMBERS, True)
        self.enabled = dict.fromkeys(MEMBERS, True)
        self.max = dict.fromkeys(MEMBERS, 2)
        self.period = dict.fromkeys(MEMBERS, 0)  # closed periods so far, per campaign
        self.replies: dict[tuple[int, int], int] = defaultdict(int)  # (interaction, period)
        self.seen_reply = 0  # the last out-of-time reply (pk) counted
        self.seen_assignment = 0  # the last Assignment (pk) checked
        self.expect_reply: tuple[int, str] | None = None

    # ------------------------------------------------------------------------------- steps
    @rule(customer=st.sampled_from(CUSTOMERS), key=st.sampled_from(sorted(MEMBERS)))
    def customer_writes(self, customer: str, key: str) -> None:
        campaign = self.world.campaigns[key]
        message = inbound(provider(), customer, did=DIDS[key])
        before = Interaction.objects.filter(campaign=campaign, number=message.number).exclude(
            state=InteractionState.CLOSED
        ).first()  # fmt: skip
        route_message(message.pk)
        message.refresh_from_db()
        waiting = before is None or before.state == InteractionState.QUEUED
        if waiting and self.enabled[key] and not self.open[key]:
            answered = self.replies[(message.interaction_id, self.period[key])]
            if not answered:
                self.expect_reply = (message.interaction_id, key)

    @rule(name=st.sampled_from(AGENTS))
    def agent_signs_in(self, name: str) -> None:
        sign_in(self.world.agents[name])
        self.signed_in[name] = True

    @rule(name=st.sampled_from(AGENTS))
    def agent_signs_out(self, name: str) -> None:
        sign_out(self.world.agents[name].pk)
        self.signed_in[name] = self.on_break[name] = False

    @rule(name=st.sampled_from(AGENTS), on=st.booleans())
    def agent_break(self, name: str, on: bool) -> None:
        set_break(self.world.agents[name], BREAK if on else "")  # also signs the agent in
        self.signed_in[name], self.on_break[name] = True, on

    @rule(name=st.sampled_from(AGENTS), pick=st.integers(0, 5))
    def agent_closes(self, name: str, pick: int) -> None:
        agent = self.world.agents[name]
        held = list(
            Interaction.objects.filter(agent=agent, state=InteractionState.ASSIGNED).order_by("pk")
        )
        if held:
            close_interaction(interaction_id=held[pick % len(held)].pk, by=agent)

    @rule(key=st.sampled_from(sorted(MEMBERS)), pick=st.integers(0, 5))
    def supervisor_closes_a_waiting_one(self, key: str, pick: int) -> None:
        queued = list(
            Interaction.objects.filter(
                campaign=self.world.campaigns[key], state=InteractionState.QUEUED
            ).order_by("pk")
        )
        if queued:
            close_interaction(
                interaction_id=queued[pick % len(queued)].pk,
                by=self.world.supervisor,
                reason=CloseReason.SUPERVISOR,
            )

    @rule(key=st.sampled_from(sorted(MEMBERS)), is_open=st.booleans())
    def schedule_changes(self, key: str, is_open: bool) -> None:
        schedules: list[Schedule] = [] if is_open else [self.world.closed]
        save_campaign(user=self.world.supervisor, campaign=self.world.fresh(key), values={},
                      schedules=schedules)  # fmt: skip
        if self.open[key] and not is_open:
            self.period[key] += 1
        self.open[key] = is_open

    @rule(key=st.sampled_from(sorted(MEMBERS)), enabled=st.booleans())
    def campaign_enabled(self, key: str, enabled: bool) -> None:
        save_campaign(user=self.world.supervisor, campaign=self.world.fresh(key),
                      values={"enabled": enabled})  # fmt: skip
        self.enabled[key] = enabled

    @rule(key=st.sampled_from(sorted(MEMBERS)), most=st.integers(1, 3))
    def maximum_changes(self, key: str, most: int) -> None:
        save_campaign(user=self.world.supervisor, campaign=self.world.fresh(key),
                      values={"max_interactions_per_agent": most})  # fmt: skip
        self.max[key] = most

    # ------------------------------------------------------------------------------- checks
    @invariant()
    def settle_then_check(self) -> None:
        """Checks what the step did, lets routing settle (the tick), and checks again."""
        self.check_replies()
        self.check_new_assignments()
        for campaign in self.world.campaigns.values():
            assign_waiting(campaign.pk)  # what the tick (and the tasks a save publishes) do
        self.check_new_assignments()
        self.check_holders()
        self.check_nobody_free_while_queued()
        self.check_agent_states()

    def key_of(self, campaign_id: int) -> str:
        return next(k for k, c in self.world.campaigns.items() if c.pk == campaign_id)

    def check_replies(self) -> None:
        new = list(
            Message.objects.filter(bot_kind=BotKind.OUT_OF_TIME, pk__gt=self.seen_reply)
            .select_related("interaction")
            .order_by("pk")
        )
        for reply in new:
            key = self.key_of(reply.interaction.campaign_id)
            assert not self.open[key], "out-of-time reply while the campaign is open"
            assert self.enabled[key], "out-of-time reply from a disabled campaign"
            self.replies[(reply.interaction_id, self.period[key])] += 1
            assert self.replies[(reply.interaction_id, self.period[key])] == 1, (
                "a second out-of-time reply in one closed period"
            )
            self.seen_reply = reply.pk
        if self.expect_reply is not None:
            interaction_id, key = self.expect_reply
            assert self.replies[(interaction_id, self.period[key])] == 1, (
                "a customer of a closed campaign got no out-of-time reply in this period"
            )
            self.expect_reply = None

    def check_new_assignments(self) -> None:
        new = list(Assignment.objects.filter(pk__gt=self.seen_assignment).order_by("pk"))
        for assignment in new:
            key = self.key_of(assignment.campaign_id)
            assert self.enabled[key] and self.open[key], "assigned in a closed/disabled campaign"
            at = assignment.assigned_at
            held = Assignment.objects.filter(agent_id=assignment.agent_id, assigned_at__lte=at)
            held_then = held.exclude(released_at__lte=at).count()
            assert held_then <= self.max[key], (
                f"agent {assignment.agent_id} held {held_then} > max {self.max[key]} at {at}"
            )
            # FIFO: nothing of the campaign that is waiting now was waiting before this one.
            interaction = Interaction.objects.get(pk=assignment.interaction_id)
            older = Interaction.objects.filter(
                campaign_id=assignment.campaign_id,
                state=InteractionState.QUEUED,
                queued_at__lt=interaction.queued_at,
            )
            assert not older.exists(), f"{interaction} was assigned before older waiting ones"
            self.seen_assignment = assignment.pk

    def check_holders(self) -> None:
        current = defaultdict(list)
        for a in Assignment.objects.filter(released_at__isnull=True):
            current[a.interaction_id].append(a.agent_id)
        for interaction in Interaction.objects.all():
            holders = current.pop(interaction.pk, [])
            if interaction.state == InteractionState.ASSIGNED:
                assert holders == [interaction.agent_id], f"{interaction}: held by {holders}"
                name = next(n for n, u in self.world.agents.items() if u.pk == holders[0])
                assert self.signed_in[name], f"{interaction} held by {name}, signed out"
            else:
                assert holders == [], f"{interaction}: held by {holders}"
                if interaction.state == InteractionState.QUEUED:
                    assert interaction.agent_id is None, f"{interaction}: names an agent"
        assert not current

    def check_nobody_free_while_queued(self) -> None:
        load = loads(u.pk for u in self.world.agents.values())
        for key, campaign in self.world.campaigns.items():
            if not (self.open[key] and self.enabled[key]):
                continue
            waiting = Interaction.objects.filter(
                campaign=campaign, state=InteractionState.QUEUED
            ).count()
            free = [
                n
                for n in MEMBERS[key]
                if self.signed_in[n]
                and not self.on_break[n]
                and load[self.world.agents[n].pk] < self.max[key]
            ]
            assert not (waiting and free), f"{waiting} waiting in {key} while {free} are free"

    def check_agent_states(self) -> None:
        load = loads(u.pk for u in self.world.agents.values())
        for name, agent in self.world.agents.items():
            status = AgentStatus.objects.filter(agent=agent).first()
            if status is None:
                assert not self.signed_in[name]
                continue
            assert status.signed_in == self.signed_in[name]
            assert bool(status.break_type) == self.on_break[name]
            assert status.state == derived_state(status, load[agent.pk])
            if not self.signed_in[name]:
                assert status.state == AgentState.DISCONNECTED


@pytest.fixture(autouse=True)
def broker(private_redis):
    """Published tasks go to a Redis of this test's own, where no worker runs them: the
    machine settles routing itself, synchronously."""
    return private_redis


def test_routing_invariants_hold_under_random_sequences(supervisor, group) -> None:
    Routing.world = World(supervisor, group)
    run_state_machine_as_test(
        Routing,
        settings=settings(
            max_examples=20,
            stateful_step_count=30,
            deadline=None,
            # No shrinking: it takes minutes with a database; a failure prints its (≤ 30) steps.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
