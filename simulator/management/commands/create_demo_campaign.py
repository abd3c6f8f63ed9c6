from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from simulator.demo import create_demo_campaign


class Command(BaseCommand):
    help = (
        "Create the demo campaign “Demo” on a Sandbox provider (always open, agent1 and agent2 "
        "as members), unless it exists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = create_demo_campaign()
        if not done:
            self.stdout.write("The demo campaign exists already.")
        for line in done:
            self.stdout.write(line)
