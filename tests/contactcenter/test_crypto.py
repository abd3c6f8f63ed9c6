"""FIELD_ENCRYPTION_KEY rotation: several keys (newest first) and `manage.py
rotate_encryption_key`, which re-encrypts every stored secret with the newest key."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from contactcenter.crypto import decrypt, encrypt
from providers.models import Provider

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def stored(provider: Provider) -> tuple[str, str]:
    """The password and secret settings as the database holds them (encrypted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT password, secret_settings FROM {Provider._meta.db_table} WHERE id = %s",  # noqa: S608
            [provider.pk],
        )
        return cursor.fetchone()


def make_provider(name: str = "Twilio main") -> Provider:
    return Provider.objects.create(
        name=name, api_type="Twilio", password="pw-secret-1", secret_settings='{"token": "t-2"}'
    )


def test_new_values_use_the_first_key_and_old_ones_stay_readable(settings):
    settings.FIELD_ENCRYPTION_KEY = OLD
    token = encrypt("secret")
    settings.FIELD_ENCRYPTION_KEY = f"{NEW}, {OLD}"
    assert decrypt(token) == "secret"
    assert Fernet(NEW.encode()).decrypt(encrypt("fresh").encode()) == b"fresh"
    settings.FIELD_ENCRYPTION_KEY = NEW
    with pytest.raises(ValueError, match="none of the keys"):
        decrypt(token)


def test_a_malformed_key_is_named(settings):
    settings.FIELD_ENCRYPTION_KEY = f"{NEW},not-a-key"
    with pytest.raises(ImproperlyConfigured, match="key 2 of 2 is not a Fernet key"):
        encrypt("x")


def test_rotate_encryption_key_re_encrypts_every_stored_secret(settings, db):
    settings.FIELD_ENCRYPTION_KEY = OLD
    provider = make_provider()
    Provider.objects.create(name="No password", api_type="Twilio")
    before = stored(provider)
    assert "pw-secret-1" not in before[0]

    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert "providers.Provider.password: 1 re-encrypted" in out.getvalue()
    assert "providers.Provider.secret_settings: 1 re-encrypted" in out.getvalue()
    after = stored(provider)
    assert after != before
    new_only = Fernet(NEW.encode())
    assert new_only.decrypt(after[0].encode()) == b"pw-secret-1"
    assert new_only.decrypt(after[1].encode()) == b'{"token": "t-2"}'

    # The old key can go now.
    settings.FIELD_ENCRYPTION_KEY = NEW
    provider = Provider.objects.get(pk=provider.pk)
    assert provider.password == "pw-secret-1"
    assert Provider.objects.get(name="No password").password == ""


def test_a_secret_no_key_can_read_stops_the_rotation_and_changes_nothing(settings, db):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()  # a key since lost
    lost = make_provider("Lost")
    settings.FIELD_ENCRYPTION_KEY = OLD
    kept = make_provider("Kept")
    before = stored(lost), stored(kept)

    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_key", stdout=io.StringIO())
    assert (stored(lost), stored(kept)) == before
