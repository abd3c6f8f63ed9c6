from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.models import SecurityGroup, User
from campaigns.models import Campaign, Schedule
from campaigns.services import save_campaign, save_schedule
from providers.models import Provider
from tests.providers.factories import twilio_provider


def provider(name: str = "Twilio main") -> Provider:
    return Provider.objects.filter(name=name).first() or twilio_provider(name)


def campaign_values(user: User, **values: Any) -> dict[str, Any]:
    return {"name": "Sales", "security_group": user.security_groups.first(),
            "provider": provider(), "did": "1234", "strategy": "round_robin",
            "service_level": 80, "threshold_service_level": 60, "threshold_abandon": 600,
            "threshold_chat_time": 900, "threshold_acd": 10, "max_interactions_per_agent": 3,
            "out_of_time_message": "We are closed.", "enabled": True, **values}  # fmt: skip


def make_campaign(user: User, **values: Any) -> Campaign:
    return save_campaign(user=user, campaign=None, values=campaign_values(user, **values))


def office_hours(name: str = "Office", group: SecurityGroup | None = None) -> Schedule:
    """Weekdays 9–18 in Montevideo, in ``group`` (default: the first group, "Sales")."""
    group = group or SecurityGroup.objects.order_by("pk").first()
    return save_schedule(schedule=None, name=name, time_zone="America/Montevideo",
                         security_group=group,
                         rules=[{"weekdays": [0, 1, 2, 3, 4], "start": dt.time(9),
                                 "end": dt.time(18)}], holidays=[])  # fmt: skip
