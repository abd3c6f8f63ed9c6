"""Account services: demo data for a first run, passwords, sign-in lockouts."""

from __future__ import annotations

import secrets

from axes.utils import reset as axes_reset
from django.db import transaction

from accounts.models import ApiToken, SecurityGroup, User
from accounts.roles import Role

DEMO_USERS = [
    ("admin", Role.ADMIN, "Ada", "Admin"),
    ("supervisor", Role.SUPERVISOR, "Sam", "Supervisor"),
    ("agent1", Role.AGENT, "Alex", "Agent"),
    ("agent2", Role.AGENT, "Andrea", "Agent"),
]


@transaction.atomic
def create_demo_users() -> dict[str, str]:
    """Create the demo users that do not exist yet; returns {username: clear password} for them.

    Existing users are left alone, so a second run creates and prints nothing.
    """
    group, _ = SecurityGroup.objects.get_or_create(name="Demo")
    created: dict[str, str] = {}
    for username, role, first, last in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(9)
        user = User.objects.create_user(
            username=username,
            password=password,
            role=role,
            first_name=first,
            last_name=last,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        if role != Role.ADMIN:
            user.security_groups.add(group)
        created[username] = password
    return created


def unlock_sign_in(*, username: str) -> int:
    """Lift the sign-in lockout of ``username`` (its failed attempts are forgotten, from every
    address). Returns how many attempt records were removed; 0 when it was not locked."""
    return axes_reset(username=username)


@transaction.atomic
def change_password(*, user: User, password: str | None, keep_api_tokens: bool = False) -> int:
    """Set ``user``'s password (None: password sign-in disabled) and, unless ``keep_api_tokens``,
    revoke every API token of theirs: whoever knew the old password may have made one.

    The caller has validated the password. Returns how many tokens were revoked.
    """
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    if keep_api_tokens:
        return 0
    revoked, _count = ApiToken.objects.filter(user=user).delete()
    return revoked


def save_security_group(*, group: SecurityGroup | None, values: dict) -> SecurityGroup:
    """Create or rename a security group (admins); ValidationError naming ``name`` (blank, in
    use). Renaming changes nothing else: campaigns and users refer to the group, not its name."""
    group = group or SecurityGroup()
    name = values.get("name", group.name)
    group.name = name.strip() if isinstance(name, str) else name
    group.full_clean()
    group.save()
    return group
