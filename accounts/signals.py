"""Audit log of sign-ins. Never logs a password: only the username tried and the address."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

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
