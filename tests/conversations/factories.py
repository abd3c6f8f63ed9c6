"""Objects for conversations' tests: stored inbound messages, agents who are signed in."""

from __future__ import annotations

import itertools

from accounts.models import User
from campaigns.models import Campaign, CampaignMember
from conversations.inbound import store_inbound
from conversations.models import Message
from conversations.presence import sign_in
from providers.adapters.base import InboundSMS
from providers.models import Provider

_ids = itertools.count(1)


def inbound(provider: Provider, sender: str, text: str = "hello", did: str = "1234") -> Message:
    """One inbound message stored as a webhook stores it (routing still pending)."""
    sms = InboundSMS(
        provider_message_id=f"in-{next(_ids)}", sender=sender, recipient=did, text=text
    )
    (message,) = store_inbound(provider=provider, messages=[sms])
    return message


def member(campaign: Campaign, agent: User, *, signed_in: bool = True) -> User:
    CampaignMember.objects.get_or_create(campaign=campaign, agent=agent)
    if signed_in:
        sign_in(agent)
    return agent
