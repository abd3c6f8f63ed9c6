"""Audit log of sign-ins (never a password: only the username tried and the address), the
index of each user's sessions (``accounts.sessions``), and access ended at once when a user is
deactivated by any path (Configuration → Agents, the Django admin, a shell)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User
from accounts.sessions import end_access, forget_session, remember_session

logger = logging.getLogger("contactcenter.auth")


def _address(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_login_failed)
def log_failed_login(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    logger.warning(
        "login failed",
        extra={"username": credentials.get("username"), "address": _address(request)},
    )


@receiver(user_logged_in)
def log_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    logger.info("login", extra={"username": user.username, "address": _address(request)})


def _session_key(request: HttpRequest | None) -> str | None:
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None)


@receiver(user_logged_in)
def index_session(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    remember_session(user, _session_key(request))


@receiver(user_logged_out)
def unindex_session(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    forget_session(_session_key(request))


@receiver(pre_save, sender=User)
def note_deactivation(
    sender: Any, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    """Whether this save turns an active user inactive (read before it is written)."""
    instance._deactivated = False
    if instance.pk is None or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    instance._deactivated = User.objects.filter(pk=instance.pk, is_active=True).exists()


@receiver(post_save, sender=User)
def end_access_of_deactivated(sender: Any, instance: User, **kwargs: Any) -> None:
    """A deactivated user is logged out everywhere now: sessions deleted, sockets closed, an
    agent's interactions requeued (``end_access``), in the saving transaction."""
    if getattr(instance, "_deactivated", False):
        instance._deactivated = False
        end_access(instance.pk, reason="deactivated")
