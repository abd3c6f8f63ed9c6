"""Encryption of secrets at rest (provider passwords, tokens) with FIELD_ENCRYPTION_KEY.

``FIELD_ENCRYPTION_KEY`` holds one Fernet key, or several separated by commas, newest first: new
values are encrypted with the first, stored values are read with whichever key they were made with.
To rotate: put a new key in front, restart, run ``manage.py rotate_encryption_key`` (re-encrypts
every stored secret with the first key), then drop the old keys.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def parse_keys(value: str) -> list[str]:
    """The keys in a FIELD_ENCRYPTION_KEY value, newest first; blanks around commas ignored."""
    return [key.strip() for key in value.split(",") if key.strip()]


@cache
def _multi_fernet(value: str) -> MultiFernet:
    keys = parse_keys(value)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is empty.")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY: key {position} of {len(keys)} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from exc
    return MultiFernet(fernets)


def _keys() -> MultiFernet:
    return _multi_fernet(settings.FIELD_ENCRYPTION_KEY)


def encrypt(value: str) -> str:
    return _keys().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "A stored secret cannot be decrypted: none of the keys in FIELD_ENCRYPTION_KEY is the "
            "key it was encrypted with."
        ) from exc


def rotate(token: str) -> str:
    """``token`` re-encrypted with the newest key (its original timestamp is kept)."""
    try:
        return _keys().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEY."
        ) from exc
