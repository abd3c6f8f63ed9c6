from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.tokens import create_api_token


class Command(BaseCommand):
    help = "Create an API token for USER and print the key (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="manage.py", help="A name to tell tokens apart.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        _token, key = create_api_token(user=user, name=name)
        self.stdout.write(key)
