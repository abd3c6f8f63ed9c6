"""Receivers: sign-in and sign-out, delivery reports, campaign changes that free slots."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.sessions import access_ended
from agents.models import AgentStatus
from campaigns.models import Campaign, CampaignMember
from campaigns.signals import members_added, members_removed
from contactcenter.events import end_sockets, refresh_memberships
from contactcenter.publishing import publish_on_commit
from conversations.outbound import apply_reports
from conversations.presence import requeue_held, sign_in, sign_out
from providers.services import delivery_reports_received


@receiver(user_logged_in)
def agent_signed_in(sender: Any, user: Any, **kwargs: Any) -> None:
    if getattr(user, "is_agent", False):
        sign_in(user)


@receiver(user_logged_out)
def agent_signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logout: an agent is disconnected at once (interactions requeued), and the sockets of
    this session close, so another tab's heartbeat cannot sign the agent back in."""
    if user is None:
        return
    if getattr(user, "is_agent", False):
        sign_out(user.pk)
    session = getattr(request, "session", None)
    end_sockets(user.pk, getattr(session, "session_key", None) or "")


@receiver(access_ended)
def agent_access_ended(sender: Any, user_id: int, reason: str, **kwargs: Any) -> None:
    """An admin ended every login of the user (deactivated, role or campaigns changed, password
    reset): an agent is disconnected at once and their interactions requeued."""
    if AgentStatus.objects.filter(agent_id=user_id).exists():
        sign_out(user_id, reason=reason)


@receiver(delivery_reports_received)
def follow_messages(sender: Any, provider: Any, reports: list, **kwargs: Any) -> None:
    apply_reports(provider.pk, [r.provider_message_id for r in reports])


@receiver(post_save, sender=Campaign)
def campaign_saved(sender: Any, instance: Campaign, **kwargs: Any) -> None:
    """A raised maximum, an enabled campaign, a new DID: assign and route what waits."""
    publish_on_commit("conversations.tasks.assign_campaign", instance.pk)
    publish_on_commit("conversations.tasks.route_unrouted")


@receiver(post_save, sender=CampaignMember)
def member_added(sender: Any, instance: CampaignMember, created: bool, **kwargs: Any) -> None:
    if created:
        publish_on_commit("conversations.tasks.assign_campaign", instance.campaign_id)
        refresh_memberships(instance.agent_id)


@receiver(members_added)
def members_joined(
    sender: Any, agent_ids: list[int], campaign_ids: list[int], **kwargs: Any
) -> None:
    """New members may take what waits in those campaigns at once."""
    for campaign_id in campaign_ids:
        publish_on_commit("conversations.tasks.assign_campaign", campaign_id)
    for agent_id in agent_ids:
        refresh_memberships(agent_id)


@receiver(members_removed)
def members_left(sender: Any, agent_id: int, campaign_ids: list[int], **kwargs: Any) -> None:
    """An agent taken out of campaigns no longer answers there: what they held goes back to the
    head of those queues (on to the other members); they stay signed in for the rest."""
    if AgentStatus.objects.filter(agent_id=agent_id).exists():
        requeue_held(agent_id, campaign_ids, reason="membership")
    refresh_memberships(agent_id)
