"""Routing's main path: a customer writes, an interaction opens and goes to a free member; a
second message joins it; with nobody free it waits, and a close hands it over."""

from __future__ import annotations

import pytest

from agents.models import AgentStatus
from conversations.closing import close_interaction
from conversations.models import Interaction
from conversations.routing import route_message
from conversations.states import InteractionState, Routing
from tests.campaigns.factories import make_campaign, provider
from tests.conftest import make_user
from tests.conversations.factories import inbound, member

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_opens_an_interaction_assigned_to_a_free_member(supervisor, group) -> None:
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    one = member(campaign, make_user("ana", "agent", [group]))
    first = inbound(provider(), "099123456")
    assert route_message(first.pk) == Routing.ROUTED
    interaction = Interaction.objects.get()
    assert (interaction.number, interaction.state, interaction.agent) == (
        "+59899123456",
        InteractionState.ASSIGNED,
        one,
    )
    assert AgentStatus.objects.get(agent=one).state == "busy"

    again = inbound(provider(), "+598 99 123 456", "me again")
    route_message(again.pk)
    assert Interaction.objects.count() == 1
    assert interaction.messages.count() == 2

    other = inbound(provider(), "099000111")
    route_message(other.pk)
    waiting = Interaction.objects.get(number="+59899000111")
    assert (waiting.state, waiting.agent) == (InteractionState.QUEUED, None)

    close_interaction(interaction_id=interaction.pk, by=one)
    waiting.refresh_from_db()
    assert (waiting.state, waiting.agent) == (InteractionState.ASSIGNED, one)


def test_no_campaign_leaves_the_message_unrouted(supervisor) -> None:
    make_campaign(supervisor)
    lost = inbound(provider(), "099123456", did="9999")
    assert route_message(lost.pk) == Routing.UNROUTED
    assert Interaction.objects.count() == 0
