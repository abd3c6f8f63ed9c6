"""Reads of campaigns and schedules, always scoped by the user's security groups."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Role
from campaigns.models import Campaign, Schedule
from campaigns.schedules import HolidayHours, Hours, Rule, open_at
from contactcenter.lookups import one_or_404
from providers.models import Provider

M = TypeVar("M", Campaign, Schedule)


def _of_users_groups(user: User, model: type[M]) -> QuerySet[M]:
    """Rows (with a ``security_group``) an admin sees all of, a supervisor those of their
    groups, an agent none of."""
    if user.role == Role.ADMIN:
        return model.objects.all()
    if user.role != Role.SUPERVISOR:
        return model.objects.none()
    return model.objects.filter(security_group__in=user.security_groups.all())


def campaigns_for(user: User) -> QuerySet[Campaign]:
    return _of_users_groups(user, Campaign)


def campaign_for_user(*, user: User, pk: Any) -> Campaign:
    """The campaign, or 404 when it does not exist or is outside the user's groups."""
    return one_or_404(campaigns_for(user), pk, "No such campaign.")


def schedules_for(user: User) -> QuerySet[Schedule]:
    """Schedules of the user's security groups (all for admins; none for agents). A schedule
    without a group is the admins' only."""
    return _of_users_groups(user, Schedule)


def schedule_for_user(*, user: User, pk: Any) -> Schedule:
    """The schedule, or 404 when it does not exist or is outside the user's groups."""
    return one_or_404(schedules_for(user), pk, "No such schedule.")


def agents_for(user: User) -> QuerySet[User]:
    """Agents a user may make members: all for admins, those sharing a group for supervisors."""
    agents = User.objects.filter(role=Role.AGENT, is_active=True)
    if user.role == Role.ADMIN:
        return agents.order_by("username")
    return (
        agents.filter(security_groups__in=user.security_groups.all())
        .distinct()
        .order_by("username")
    )


def providers_for(user: User) -> QuerySet[Provider]:
    """Providers the user's campaigns may use: those without groups, or of one of theirs."""
    if user.role == Role.ADMIN:
        return Provider.objects.all()
    groups = user.security_groups.all()
    return (
        Provider.objects.filter(security_groups__isnull=True)
        | Provider.objects.filter(security_groups__in=groups)
    ).distinct()


def hours_of(schedule: Schedule) -> Hours:
    return Hours(
        time_zone=schedule.time_zone,
        rules=tuple(
            Rule(frozenset(r.weekdays), r.start, r.end, r.overnight) for r in schedule.rules.all()
        ),
        holidays={h.date: HolidayHours(h.date, h.start, h.end) for h in schedule.holidays.all()},
    )


def campaign_is_open(campaign: Campaign, at: dt.datetime) -> bool:
    schedules = campaign.schedules.prefetch_related("rules", "holidays")
    return open_at((hours_of(s) for s in schedules), at)
