"""What the simulator's tests stand on: a Sandbox provider and a campaign on it."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from campaigns.models import Campaign
from providers.models import Provider
from providers.services import save_provider
from tests.campaigns.factories import make_campaign


def sandbox_provider(name: str = "Sandbox", **settings: str) -> Provider:
    """A Sandbox provider saved as the form and the API save one: no credentials at all."""
    return save_provider(
        provider=None,
        values={"name": name, "api_type": "Sandbox", "settings": settings},
        secrets={},
    )


def sandbox_campaign(user: User, provider: Provider | None = None, **values: Any) -> Campaign:
    provider = provider or Provider.objects.filter(api_type="Sandbox").first() or sandbox_provider()
    return make_campaign(user, provider=provider, **values)
