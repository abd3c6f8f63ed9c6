from __future__ import annotations

from typing import Any

from campaigns.models import Campaign
from dialer.counters import adjust, reserve_positions
from dialer.models import Dialer, SpoolRow
from dialer.sending import send_for
from dialer.services import save_dialer
from dialer.states import SpoolState
from providers.models import Provider
from providers.services import save_provider
from tests.campaigns.factories import make_campaign


def gateway(url: str, name: str = "Gateway", **values: Any) -> Provider:
    """A URL POST JSON provider on the fake server: answers {"id": "msg-N"}."""
    return save_provider(provider=None, values={
        "name": name, "api_type": "URLPOSTSMS", "endpoint": url + "/send",
        "settings": {"body_template": '{"to": "{destination}", "text": "{message}"}',
                     "content_type": "json"}, **values}, secrets={})  # fmt: skip


def dialer_for(user, provider: Provider, campaign: Campaign | None = None, **values: Any) -> Dialer:
    campaign = campaign or make_campaign(user, provider=provider, did="")
    dialer = save_dialer(user=user, dialer=None, values={
        "name": f"{campaign.name} dialer", "campaign": campaign, "provider": provider,
        **values}, schedules=[])  # fmt: skip
    return dialer


def spool(campaign: Campaign, rows: list[tuple[str, str, int]]) -> list[SpoolRow]:
    """Insert (destination, message, priority) rows in order, as an upload would."""
    first = reserve_positions(len(rows))
    created = SpoolRow.objects.bulk_create(
        SpoolRow(campaign=campaign, destination=d, message=m, priority=p, position=first + i)
        for i, (d, m, p) in enumerate(rows)
    )
    adjust({(campaign.pk, SpoolState.TO_PROCESS): len(rows)})
    return created


def send_due(dialer: Dialer, seconds: float = 30) -> int:
    """Send what is due through the production loop (the batch task's ``send_for``), the dialer
    running, until nothing is left to claim; returns how many rows left the queue."""
    waiting = SpoolRow.objects.filter(campaign_id=dialer.campaign_id, state=SpoolState.TO_PROCESS)
    before = waiting.count()
    Dialer.objects.filter(pk=dialer.pk).update(running=True)
    while send_for(dialer.pk, seconds):
        pass
    return before - waiting.count()
