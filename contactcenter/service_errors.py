"""A service's ValidationError shown to the user: next to a page form's fields, or as the API's
400 body. Shared by every app's views and API views (one place, no app importing another's
views for it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


def add_errors(form: object, errors: dict[str, list[str]], fallback: object = None) -> None:
    """Put a service's errors next to their fields (or on ``fallback``'s top)."""
    for field, texts in errors.items():
        for text in texts:
            if field in form.fields:
                form.add_error(field, text)
            elif fallback is not None:
                fallback.append(text)
            else:
                form.add_error(None, text)


def drf_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    """The API's 400 for a service's ValidationError: errors per field, or ``detail``."""
    if hasattr(exc, "message_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"detail": exc.messages})


class Conflict(Exception):
    """The request is valid but the thing's state forbids it now (the API's 409), with the
    reason for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
