from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from contactcenter.crypto import decrypt, encrypt, rotate


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


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) stored with EncryptedTextField, in every installed app."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_stored_secrets() -> dict[str, int]:
    """Re-encrypt every stored secret with the newest key of FIELD_ENCRYPTION_KEY.

    Reads the stored tokens as they are (no clear text leaves this function) and writes each back
    only if nobody changed it meanwhile. Raises ValueError, having changed nothing in that field,
    when a value cannot be decrypted with any of the keys. Returns {"app.Model.field": rows}.
    """
    counts: dict[str, int] = {}
    for model, name in encrypted_fields():
        raw = Cast(name, output_field=models.TextField())
        rows = model._default_manager.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True})
        stored = list(rows.annotate(_raw=raw).values_list("pk", "_raw"))
        rotated = [(pk, old, rotate(old)) for pk, old in stored]  # all or nothing per field
        changed = 0
        with transaction.atomic(using=model._default_manager.db):
            for pk, old, new in rotated:
                changed += (
                    model._default_manager.filter(pk=pk)
                    .filter(**{f"{name}__exact": models.Value(old)})
                    .update(**{name: models.Value(new, output_field=models.TextField())})
                )
        counts[f"{model._meta.label}.{name}"] = changed
    return counts


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
