from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contactcenter.crypto import parse_keys
from contactcenter.fields import rotate_stored_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (provider passwords, tokens, secret settings) with the "
        "first key of FIELD_ENCRYPTION_KEY. Run it after putting a new key in front of the old "
        "ones (comma-separated, newest first); then the old keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = parse_keys(settings.FIELD_ENCRYPTION_KEY)
        try:
            counts = rotate_stored_secrets()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for field, rows in counts.items():
            self.stdout.write(f"{field}: {rows} re-encrypted")
        if len(keys) > 1:
            self.stdout.write(
                f"Done. The {len(keys) - 1} older key(s) in FIELD_ENCRYPTION_KEY can be removed "
                "once every process runs with the new setting."
            )
