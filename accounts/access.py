"""Access checks, in one place, for pages and API alike."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


def user_can_open(user: Any, section: str) -> bool:
    return bool(user and user.is_authenticated and user.can_open(section))


def section_required(section: str) -> Callable:
    """Page decorator: sign-in required; 403 when the user's role may not open ``section``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not user_can_open(request.user, section):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class SectionPermission(BasePermission):
    """API permission: the view names its ``section``; the same table as the pages decides."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        section = getattr(view, "section", None)
        if section is None:
            return bool(request.user and request.user.is_authenticated)
        return user_can_open(request.user, section)
