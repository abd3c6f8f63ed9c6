"""Reads of security groups: the groups a user works in (admins: every group)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import SecurityGroup, User
from accounts.roles import Role


def groups_for(user: User) -> QuerySet[SecurityGroup]:
    if user.role == Role.ADMIN:
        return SecurityGroup.objects.all()
    return user.security_groups.all()
