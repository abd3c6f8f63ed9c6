"""Who sees which users in Configuration → Agents: admins every user; supervisors the agents
who share one of their security groups (read-only); agents nobody. Anything else is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts.models import SecurityGroup, User
from accounts.roles import Role
from campaigns.models import CampaignMember
from contactcenter.lookups import one_or_404


def users_for(user: User) -> QuerySet[User]:
    """The users ``user`` may see, with their groups and campaigns prefetched: for a
    supervisor only those of their own groups (nothing of another group is named)."""
    groups = SecurityGroup.objects.order_by("name")
    memberships = CampaignMember.objects.select_related("campaign").order_by("campaign__name")
    if user.role != Role.ADMIN:
        groups = groups.filter(pk__in=user.security_groups.all())
        memberships = memberships.filter(campaign__security_group__in=user.security_groups.all())
    if user.role == Role.ADMIN:
        found = User.objects.all()
    elif user.role == Role.SUPERVISOR:
        found = User.objects.filter(
            role=Role.AGENT, security_groups__in=user.security_groups.all()
        ).distinct()
    else:
        found = User.objects.none()
    return found.order_by("username").prefetch_related(
        Prefetch("security_groups", queryset=groups),
        Prefetch("campaign_memberships", queryset=memberships),
    )


def user_for_user(*, user: User, pk: Any) -> User:
    """The user, or 404 when it does not exist or ``user`` may not see it."""
    return one_or_404(users_for(user), pk, "No such user.")


def campaigns_of(user: User) -> list[Any]:
    """The campaigns the user is a member of (from the prefetched memberships when there)."""
    return [m.campaign for m in user.campaign_memberships.all()]
