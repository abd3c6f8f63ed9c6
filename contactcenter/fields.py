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
