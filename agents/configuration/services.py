"""Users in Configuration → Agents (admins only): create, edit, deactivate, reset a password.

Every service checks everything first and writes all or nothing (one transaction): the user's
own fields through ``model_update`` (the model's rules: username format and uniqueness, role
choices), the password through Django's validators, campaign memberships through the campaigns'
own member services. Refusals are a ValidationError naming the field.

A change that takes work away from someone ends their access at once
(``accounts.sessions.end_access``: sessions deleted, sockets closed, an agent signed out and
their active interactions requeued): deactivation, a new role, a campaign taken away, a reset
password. The user signs in again and gets what they may have now.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.services import change_password
from accounts.sessions import end_access
from campaigns.models import Campaign
from campaigns.services import add_members, remove_members
from contactcenter.services import model_update

EDITABLE = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "security_groups",
    "screen_monitoring",
)
# Written by the service from the role: admins may open the Django admin and do everything there.
_ROLE_FLAGS = ("is_staff", "is_superuser")


def _require_admin(by: User) -> None:
    if not (by.is_active and by.role == Role.ADMIN):
        raise PermissionDenied


def generate_password(user: User) -> str:
    """A random password (96 bits, URL-safe characters) that Django's validators accept for
    ``user``; shown once to the admin, never stored in clear."""
    for _attempt in range(10):
        password = secrets.token_urlsafe(12)
        try:
            validate_password(password, user)
        except ValidationError:
            continue  # by chance too close to the username: draw again
        return password
    raise RuntimeError("no generated password passed the validators")  # pragma: no cover


def _password_errors(password: str, user: User) -> dict[str, list[str]]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {"password": exc.messages}
    return {}


def _group_ids(groups: Iterable[Any]) -> set[int]:
    return {getattr(g, "pk", g) for g in groups}


def _membership_errors(
    *, role: str, groups: set[int], campaigns: list[Campaign], new: list[Campaign], active: bool
) -> dict[str, str]:
    """Only agents are members, and only of campaigns of their own security groups (their
    supervisors could not see them otherwise); an inactive user joins no new campaign."""
    if not campaigns:
        return {}
    if role != Role.AGENT:
        return {"campaigns": _("Only agents can be members of campaigns.")}
    if new and not active:
        return {"campaigns": _("Activate the user before adding them to campaigns.")}
    outside = sorted(c.name for c in campaigns if c.security_group_id not in groups)
    if outside:
        return {
            "campaigns": _(
                "These campaigns belong to security groups the user is not in: %(names)s."
            )
            % {"names": ", ".join(outside)}
        }
    return {}


def _role_flags(role: str) -> dict[str, bool]:
    return dict.fromkeys(_ROLE_FLAGS, role == Role.ADMIN)


def _values(values: dict[str, Any]) -> dict[str, Any]:
    data = {k: values[k] for k in EDITABLE if k in values}
    for key in ("username", "first_name", "last_name", "email"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip()
    return data


@transaction.atomic
def create_user(
    *,
    by: User,
    values: dict[str, Any],
    campaigns: list[Campaign] | None = None,
    password: str | None = None,
) -> tuple[User, str | None]:
    """Create a user with ``values`` (``EDITABLE`` fields), member of ``campaigns`` (agents).
    ``password`` blank: one is generated and returned (show it once); a given one is checked by
    Django's validators and not returned."""
    _require_admin(by)
    data = _values(values)
    data.setdefault("role", Role.AGENT)
    data.update(_role_flags(data["role"]))
    campaigns = list(campaigns or [])
    # Unsaved, with the names: the password validators compare the password with them.
    user = User(**{k: v for k, v in data.items() if k != "security_groups"})
    generated = None
    errors: dict[str, Any] = {}
    if password:
        errors.update(_password_errors(password, user))
    else:
        password = generated = generate_password(user)
    errors.update(
        _membership_errors(
            role=data["role"],
            groups=_group_ids(data.get("security_groups", [])),
            campaigns=campaigns,
            new=campaigns,
            active=True,
        )
    )
    user = User()
    user.set_password(password)
    user, _changed = model_update(
        instance=user, fields=[*EDITABLE, *_ROLE_FLAGS], data=data, extra_errors=errors
    )
    if campaigns:
        add_members(user=by, campaigns=campaigns, agents=[user])
    return user, generated


@transaction.atomic
def update_user(
    *,
    by: User,
    user: User,
    values: dict[str, Any],
    campaigns: list[Campaign] | None = None,
) -> User:
    """Change the user's ``values`` and (when given) their campaigns. A user whose role changes
    leaves every campaign unless ``campaigns`` says otherwise (only agents are members). Admins
    cannot change their own role. A new role or a campaign taken away ends the user's access."""
    _require_admin(by)
    data = _values(values)
    role = data.get("role", user.role)
    if role != user.role:
        data.update(_role_flags(role))
    errors: dict[str, Any] = {}
    if user.pk == by.pk and role != user.role:
        errors["role"] = _("You cannot change your own role.")
    current = {
        m.campaign_id: m.campaign for m in user.campaign_memberships.select_related("campaign")
    }
    if campaigns is None:
        campaigns = list(current.values()) if role == Role.AGENT else []
    groups = data.get("security_groups")
    group_ids = _group_ids(groups if groups is not None else user.security_groups.all())
    errors.update(
        _membership_errors(
            role=role,
            groups=group_ids,
            campaigns=campaigns,
            new=[c for c in campaigns if c.pk not in current],
            active=user.is_active,
        )
    )
    former_role = user.role
    user, _changed = model_update(
        instance=user, fields=[*EDITABLE, *_ROLE_FLAGS], data=data, extra_errors=errors
    )
    wanted = {c.pk: c for c in campaigns}
    removed = [c for pk, c in current.items() if pk not in wanted]
    added = [c for pk, c in wanted.items() if pk not in current]
    if removed:
        remove_members(user=by, campaigns=removed, agents=[user])
    if added:
        add_members(user=by, campaigns=added, agents=[user])
    if user.role != former_role:
        end_access(user.pk, reason="role_changed")
    return user


@transaction.atomic
def deactivate_user(*, by: User, user: User) -> User:
    """The user can no longer sign in (nor use API tokens); every login of theirs ends now and
    an agent's active interactions are requeued (on the save, whatever path deactivates). Their
    data and memberships stay (activation restores them)."""
    _require_admin(by)
    if user.pk == by.pk:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])  # ends their access (accounts.signals)
    return user


@transaction.atomic
def activate_user(*, by: User, user: User) -> User:
    _require_admin(by)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def reset_password(*, by: User, user: User) -> str:
    """Give the user a new generated password and return it (shown once to the admin). Every
    login of theirs ends and their API tokens are revoked: whoever knew the old password may
    have used it."""
    _require_admin(by)
    if user.pk == by.pk:
        raise ValidationError({"password": _("Change your own password on the Password page.")})
    password = generate_password(user)
    change_password(user=user, password=password)
    end_access(user.pk, reason="password")
    return password
