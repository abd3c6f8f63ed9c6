"""``manage.py rebuild_report_rollups [--since DATE] [--until DATE] [--campaign ID ...]``:
recompute the report rollups from the interactions and messages (the backfill after a bulk load
such as ``seed_history``, or after ``TIME_ZONE`` or a campaign's thresholds changed). The
triggers are reinstalled first, as the running code writes them."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.rollups import install, rebuild, supported


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "Recompute the report rollups (all days, or a range) from the conversation tables."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=_date, default=None)
        parser.add_argument("--until", type=_date, default=None)
        parser.add_argument("--campaign", type=int, action="append", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if not supported():
            raise CommandError("Report rollups need PostgreSQL.")
        started = time.monotonic()
        install()  # the triggers as this version of the code writes them (idempotent)
        rows = rebuild(options["since"], options["until"], options["campaign"])
        self.stdout.write(f"{rows} rollup rows written in {time.monotonic() - started:.1f} s")
