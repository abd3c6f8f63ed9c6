"""API token services: create (the only moment the key is seen), revoke, authenticate."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, User


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it and the clear key, which is never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is longer than 100 characters.")})
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=hash_key(key))
    return token, key


def revoke_api_token(*, user: User, token_id: int) -> bool:
    """Delete one of ``user``'s tokens; False when it is not theirs or does not exist."""
    deleted, _count = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def user_for_key(key: str) -> User | None:
    """The active user owning ``key``, or None. Records when the token was last used."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
