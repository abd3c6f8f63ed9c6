from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import create_demo_users


class Command(BaseCommand):
    help = (
        "Create the demo users (admin, supervisor, agent1, agent2) and print their passwords once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = create_demo_users()
        if not created:
            self.stdout.write(
                "Demo users exist already; their passwords were printed on first run."
            )
            return
        self.stdout.write("Demo logins (shown only now; change them in the portal):")
        for username, password in created.items():
            self.stdout.write(f"  {username:<11} {password}")
