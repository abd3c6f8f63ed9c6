"""What the interactions API tests share: a token client per user, and a small world of five
users (admin, the group's supervisor, another group's supervisor, the agent holding an
interaction, another agent) around one routed interaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import User
from accounts.tokens import create_api_token
from campaigns.models import Campaign
from conversations.models import Interaction, Message
from conversations.routing import route_message
from tests.campaigns.factories import make_campaign, provider
from tests.conftest import make_user
from tests.conversations.factories import inbound, member

Call = Callable[..., object]


def token_client(client: Client, user: User) -> Call:
    """``call(method, path, data=None, **query)`` with ``user``'s API token."""
    _token, key = create_api_token(user=user, name="tests")

    def call(method: str, path: str, data: dict | None = None, **query: str):
        if method == "get":
            return client.get(path, query, HTTP_AUTHORIZATION=f"Token {key}")
        return getattr(client, method)(
            path,
            data=json.dumps(data) if data is not None else None,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
        )

    return call


@dataclass
class World:
    admin: User
    supervisor: User
    other_supervisor: User
    holder: User
    other_agent: User
    campaign: Campaign
    interaction: Interaction  # assigned to ``holder``
    inbound: Message  # the customer's first message in it

    def users(self) -> dict[str, User]:
        return {
            "admin": self.admin,
            "supervisor": self.supervisor,
            "other_supervisor": self.other_supervisor,
            "holder": self.holder,
            "other_agent": self.other_agent,
        }


def customer_writes(number: str, text: str = "hello") -> Message:
    message = inbound(provider(), number, text)
    route_message(message.pk)
    message.refresh_from_db()
    return message


@pytest.fixture
def world(admin, supervisor, other_supervisor, agent, group) -> World:
    campaign = make_campaign(
        supervisor, max_interactions_per_agent=5, strategy="fewest_interactions"
    )
    holder = member(campaign, agent)
    other_agent = make_user("bea", "agent", [group])
    first = customer_writes("099123456")
    interaction = Interaction.objects.get(number="+59899123456")
    assert interaction.agent == holder
    # The other agent is a member too, with an interaction of their own.
    member(campaign, other_agent)
    customer_writes("099654321")
    assert Interaction.objects.get(number="+59899654321").agent == other_agent
    return World(
        admin, supervisor, other_supervisor, holder, other_agent, campaign, interaction, first
    )
