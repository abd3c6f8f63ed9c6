from __future__ import annotations

from typing import Any

from providers.models import Provider
from providers.services import save_provider

TWILIO_SID = "AC" + "1" * 32


def twilio_provider(name: str = "Twilio main", endpoint: str = "", **values: Any) -> Provider:
    return save_provider(
        provider=None,
        values={"name": name, "api_type": "Twilio", "username": TWILIO_SID,
                "sender": "+15550001111", "endpoint": endpoint, **values},
        secrets={"password": "twilio-token"},
    )  # fmt: skip


def url_provider(name: str, endpoint: str, **values: Any) -> Provider:
    return save_provider(
        provider=None,
        values={"name": name, "api_type": "URLSMS", "endpoint": endpoint, **values},
        secrets={},
    )
