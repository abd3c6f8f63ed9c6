"""Audit log of sign-ins (never a password: only the username tried and the address), and the
index of each user's sessions (``accounts.sessions``)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.sessions import forget_session, remember_session

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
