"""The portal in Spanish, in a real browser: the dialer monitor's upload results (counted with
plural forms by the script catalogue, errors written by the worker in the uploader's language)
and the wording of messages whose delivery is unknown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaigns.models import CampaignMember
from conversations.routing import route_message
from dialer.models import SpoolRow
from dialer.states import SpoolState
from tests.campaigns.factories import make_campaign, provider
from tests.conftest import screenshot, sign_in
from tests.conversations.factories import inbound

pytestmark = pytest.mark.browser


def test_dialer_monitor_in_spanish(page, live_url, supervisor, celery_worker, tmp_path):
    campaign = make_campaign(supervisor, name="promo", did="")
    SpoolRow.objects.create(
        campaign=campaign, destination="099111222", message="Hola", priority=1, position=1,
        state=SpoolState.SENDING, fate_unknown=True, claim="dead",
    )  # fmt: skip
    sign_in(page, live_url, supervisor.username)
    page.select_option("[data-testid=language]", "es")
    page.wait_for_selector("text=Campañas")
    page.click("[data-testid=menu] a[data-section=dialer_monitor]")
    page.wait_for_selector("body[data-live=connected]")
    unknown = page.locator("[data-testid=unknown-rows] h3")
    expect(unknown).to_have_text("Resultado desconocido: no sabemos si se entregó")

    bad = tmp_path / "malo.csv"
    bad.write_text("promo;099000001;Hola\nnocamp;099000002;Hola;1\n", encoding="utf-8")
    page.set_input_files("[data-testid=spool-file]", str(bad))
    page.click("[data-testid=upload-spool]")
    result = page.locator("[data-testid=upload-result]")
    expect(result).to_contain_text("2 errores; no se guardó nada.", timeout=60_000)
    expect(result).to_contain_text("línea 1: 3 columnas; se esperaban al menos 4")
    expect(result).to_contain_text("línea 2: campaña desconocida “nocamp”")
    screenshot(page, "monitor-spanish-rejected")

    one = tmp_path / "uno.csv"
    one.write_text("promo;099000003;Hola;1\n", encoding="utf-8")
    page.set_input_files("[data-testid=spool-file]", str(one))
    page.click("[data-testid=upload-spool]")
    expect(result).to_have_text("1 fila cargada desde uno.csv.", timeout=60_000)
    screenshot(page, "monitor-spanish-loaded")


def test_agent_state_badge_names_the_state_in_spanish_and_live(page, live_url, supervisor, agent):
    sign_in(page, live_url, agent.username)
    page.select_option("[data-testid=language]", "es")
    page.wait_for_selector("text=Cerrar sesión")
    badge = page.locator("[data-testid=agent-state]")
    expect(badge).to_have_text("Libre")
    page.wait_for_selector("body[data-live=connected]")
    # A customer writes to the agent's campaign: the interaction is theirs, so they are busy.
    CampaignMember.objects.create(campaign=make_campaign(supervisor), agent=agent)
    route_message(inbound(provider(), "099123456").pk)
    expect(badge).to_have_text("Ocupado", timeout=10_000)
    expect(badge).to_have_attribute("data-state", "busy")
