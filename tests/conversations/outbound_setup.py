"""What replies' and delivery tests stand on: a provider of any type configured against the fake
provider server, a campaign on it, and an interaction the customer opened, held by an agent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from accounts.models import User
from campaigns.models import Campaign
from conversations.models import Interaction
from conversations.routing import route_message
from providers.configuration import secret_setting_keys
from providers.models import Provider
from providers.services import save_provider
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user
from tests.conversations.factories import inbound, member
from tests.fakeprovider import FakeProviderServer
from tests.fakeprovider.server import RecordedRequest
from tests.providers.adapters.cases import CASES

CUSTOMER = "099123456"  # +59899123456 (DEFAULT_PHONE_REGION is UY)


def provider_on(server: FakeProviderServer, case: str, name: str = "") -> Provider:
    """A saved provider of ``CASES[case]``'s type pointed at ``server``."""
    config = CASES[case].config(server.url)
    secret = secret_setting_keys(config.api_type)
    values = {
        "name": name or case,
        "api_type": config.api_type,
        "endpoint": config.endpoint,
        "username": config.username,
        "sender": config.sender,
        "ports": config.ports,
        "settings": {k: v for k, v in config.settings.items() if k not in secret},
    }
    secrets = {"password": config.password}
    secrets.update({k: v for k, v in config.settings.items() if k in secret})
    return save_provider(provider=None, values=values, secrets=secrets)


@dataclass
class Conversation:
    provider: Provider
    campaign: Campaign
    agent: User
    interaction: Interaction


def conversation(
    supervisor: User, provider: Provider, *, did: str = "1234", **campaign: Any
) -> Conversation:
    """The customer wrote to ``provider``'s DID; the interaction is assigned to a member."""
    group = supervisor.security_groups.first()
    chosen = make_campaign(supervisor, provider=provider, did=did, **campaign)
    agent = User.objects.filter(username="ana").first() or make_user("ana", "agent", [group])
    member(chosen, agent)
    message = inbound(provider, CUSTOMER, "Hello, I need help", did=did)
    route_message(message.pk)
    message.refresh_from_db()
    interaction = Interaction.objects.get(pk=message.interaction_id)
    assert interaction.agent_id == agent.pk, "the member should hold the interaction"
    return Conversation(provider, chosen, agent, interaction)


def values_of(request: RecordedRequest) -> list[str]:
    """Every value a request carries (query, form, JSON body), to find a text in it whatever
    the wire format."""
    found = [v for vs in request.query.values() for v in vs]
    body = request.body.decode(errors="replace")
    try:
        data = json.loads(body)
    except ValueError:
        found += [v for vs in parse_qs(body).values() for v in vs]
        found.append(unquote(body))
    else:
        found += list(_strings(data))
    return found


def _strings(data: Any):
    if isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)
    elif data is not None:
        yield str(data)


def handed_over(server: FakeProviderServer) -> list[RecordedRequest]:
    """The requests that handed a message over: all but the first, unauthenticated request of
    an HTTP Digest exchange (Dinstar's), which the gateway answers with its challenge."""
    return [
        r
        for r in server.requests
        if r.header("Authorization") or not r.path.startswith("/api/send_sms")
    ]


def sends_of(server: FakeProviderServer, text: str) -> int:
    """How many requests handed ``text`` over to ``server``."""
    return sum(text in values_of(r) for r in handed_over(server))
