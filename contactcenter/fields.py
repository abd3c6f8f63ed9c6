from __future__ import annotations

from typing import Any

from django.db import models

from contactcenter.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Text stored encrypted (Fernet); Python code sees the clear value. Not searchable."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


class NameField(models.CharField):
    """The unique, required name of a provider, campaign or schedule: surrounding spaces are
    dropped before the checks, and both refusals say what to do. Migrations see a plain
    CharField (the messages are its ``error_messages``)."""

    def __init__(
        self,
        verbose_name: Any = None,
        *,
        unique_message: Any = None,
        blank_message: Any = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("unique", True)
        messages = dict(kwargs.pop("error_messages", None) or {})
        if unique_message is not None:
            messages["unique"] = unique_message
        if blank_message is not None:
            messages["blank"] = blank_message
        super().__init__(verbose_name, error_messages=messages or None, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return value.strip() if isinstance(value, str) else value

    def deconstruct(self) -> tuple[str, str, list, dict]:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
