from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.roles import Role
from dialer import uploads


class Command(BaseCommand):
    help = (
        "Check a spool CSV (campaign;destination;message;priority) completely and, when it is "
        "clean, load it. Every error is printed with its line number; a bad file stores nothing "
        "and the command exits non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="Load with this user's campaigns (default: any admin).")

    def handle(self, *args: Any, file: Path, user: str | None, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        owner = (
            User.objects.filter(username=user).first()
            if user
            else User.objects.filter(role=Role.ADMIN, is_active=True).first()
        )
        if owner is None:
            raise CommandError("No such user." if user else "There is no admin user to load as.")
        problem = uploads.check_file_name(file.name)
        if problem:
            raise CommandError(f"{file.name}: {problem}; nothing was stored.")
        report, stored = uploads.ingest_spool(file, owner)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"{file.name}: {error}")
            if report.error_count > len(report.errors):
                self.stderr.write(f"... and {report.error_count - len(report.errors)} more errors")
            raise CommandError(f"{report.error_count} error(s); nothing was stored.")
        self.stdout.write(f"{stored} rows loaded from {file.name}.")
