"""``manage.py rebuild_report_rollups [--since DATE] [--until DATE] [--campaign ID ...]``:
recompute the report rollups from the interactions and messages (the backfill after a bulk load
such as ``seed_history``, or after ``TIME_ZONE`` or a campaign's thresholds changed). The
triggers are reinstalled first, as the running code writes them.

Day by day (``reports.rollups.rebuild_days``): each local day is recounted in its own short
transaction, so the application's writes that move a figure wait for one day's recount at most,
never for the whole history. Without ``--since`` / ``--until``: from the first to the last day
anything is counted on."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports import rollups


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
        if not rollups.supported():
            raise CommandError("Report rollups need PostgreSQL.")
        since, until, campaigns = options["since"], options["until"], options["campaign"]
        if since and until and since > until:
            raise CommandError("--since is after --until")
        started = time.monotonic()
        zone = rollups.zone_name()
        if rollups.installed_zone() != zone and (since or until or campaigns):
            self.stdout.write(
                f"TIME_ZONE is now {zone}, the rollups were counted in another zone: "
                "every day of every campaign is rebuilt"
            )
            since = until = campaigns = None
        rollups.install()  # the triggers as this version of the code writes them (idempotent)
        verbose = options["verbosity"] > 1

        def each_day(day: dt.date, rows: int) -> None:
            if verbose:
                self.stdout.write(f"{day}: {rows} rollup rows")

        rows = rollups.rebuild_days(since, until, campaigns, each_day=each_day)
        self.stdout.write(f"{rows} rollup rows written in {time.monotonic() - started:.1f} s")
