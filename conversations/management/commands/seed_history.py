"""``manage.py seed_history --messages N``: realistic conversation history in bulk (COPY on
PostgreSQL) for benchmarks and for screens that must stay fast with years of data. What it
makes: ``conversations.seeding``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from conversations.seeding import Sizes, seed_history


class Command(BaseCommand):
    help = "Generate realistic interactions, messages and assignments (PostgreSQL COPY)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--messages", type=int, required=True, help="messages to make")
        parser.add_argument(
            "--interactions", type=int, help="interactions (default: messages / 10)"
        )
        parser.add_argument("--agents", type=int, default=500)
        parser.add_argument("--campaigns", type=int, default=20)
        parser.add_argument("--days", type=int, default=90, help="history spread over these days")
        parser.add_argument(
            "--max-per-agent",
            type=int,
            default=3,
            help="campaigns' maximum; every agent holds this many open interactions",
        )
        parser.add_argument(
            "--queued", type=int, default=-1, help="interactions waiting (default: 1 in 1000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sizes = Sizes(
                messages=options["messages"],
                interactions=options["interactions"] or max(1, options["messages"] // 10),
                agents=options["agents"],
                campaigns=options["campaigns"],
                days=options["days"],
                max_per_agent=options["max_per_agent"],
                queued=options["queued"],
                seed=options["seed"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        started = time.perf_counter()
        verbose = options["verbosity"] > 1
        try:
            written = seed_history(
                sizes, progress=(lambda line: self.stdout.write(line)) if verbose else _quiet
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{written['messages']:,} messages, {written['interactions']:,} interactions, "
            f"{written['assignments']:,} assignments, {sizes.agents} agents, "
            f"{sizes.campaigns} campaigns over {sizes.days} days in {seconds:.1f} s"
        )


def _quiet(line: str) -> None:
    pass
