"""``make run``'s demo campaign: a newcomer holds a conversation in two minutes with no
provider account (README). Idempotent: what exists is left alone, what is missing is made."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import SecurityGroup, User
from accounts.roles import Role
from campaigns.models import Campaign, CampaignMember, Schedule
from campaigns.services import add_members, save_campaign, save_schedule
from providers.adapters.sandbox import Sandbox
from providers.models import Provider
from providers.services import save_provider

GROUP = "Demo"  # the demo users' security group (accounts.services.create_demo_users)
PROVIDER = "Sandbox"
SCHEDULE = "Demo: always open"
CAMPAIGN = "Demo"
DID = "5000"
AGENTS = ("agent1", "agent2")
PRESETS = [
    {"title": "Greeting", "text": "Hello! Thanks for writing to us. How can I help you?"},
    {"title": "One moment", "text": "One moment please, I am checking that for you."},
    {"title": "Goodbye", "text": "Thanks for contacting us. Have a nice day!"},
]


@transaction.atomic
def create_demo_campaign() -> list[str]:
    """Make what is missing of the demo (Sandbox provider, always-open schedule, campaign
    "Demo" in the "Demo" group with agent1 and agent2 and a few pre-set responses); returns a
    line per thing made. Needs an admin user (``create_demo_users`` makes one)."""
    done: list[str] = []
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return ["No admin user: run create_demo_users first; no demo campaign made."]
    group, _ = SecurityGroup.objects.get_or_create(name=GROUP)
    provider = Provider.objects.filter(name=PROVIDER).first()
    if provider is None:
        provider = save_provider(
            provider=None,
            values={"name": PROVIDER, "api_type": Sandbox.api_type, "settings": {}},
            secrets={},
        )
        done.append(f"Provider “{PROVIDER}” (type Sandbox: sends nowhere).")
    schedule = Schedule.objects.filter(name=SCHEDULE).first()
    if schedule is None:
        schedule = save_schedule(
            schedule=None,
            name=SCHEDULE,
            time_zone="UTC",
            rules=[
                {
                    "weekdays": list(range(7)),
                    "start": dt.time(0, 0),
                    "end": dt.time(0, 0),
                    "overnight": True,
                }
            ],
            holidays=[],
            security_group=group,
        )
        done.append(f"Schedule “{SCHEDULE}” (every day, all day).")
    campaign = Campaign.objects.filter(name=CAMPAIGN).first()
    if campaign is None:
        campaign = save_campaign(
            user=admin,
            campaign=None,
            values={
                "name": CAMPAIGN,
                "security_group": group,
                "provider": provider,
                "did": DID,
                "max_interactions_per_agent": 3,
            },
            schedules=[schedule],
            presets=PRESETS,
        )
        done.append(f"Campaign “{CAMPAIGN}” on {PROVIDER}, DID {DID}, with pre-set responses.")
    elif campaign.provider.api_type != Sandbox.api_type:
        done.append(f"Campaign “{CAMPAIGN}” exists on a provider that is no sandbox; left as is.")
    agents = [
        agent
        for agent in User.objects.filter(username__in=AGENTS, role=Role.AGENT)
        if not CampaignMember.objects.filter(campaign=campaign, agent=agent).exists()
    ]
    if agents:
        add_members(user=admin, campaigns=[campaign], agents=agents)
        done.append(f"Members of “{CAMPAIGN}”: {', '.join(a.username for a in agents)}.")
    return done
