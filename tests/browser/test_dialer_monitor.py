"""A supervisor runs a mass sending from the dialer monitor, in a real browser, with a real worker
sending to the fake provider."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from dialer.models import SpoolRow
from dialer.services import queue_message
from tests.campaigns.factories import make_campaign
from tests.conftest import screenshot, sign_in
from tests.dialer.factories import dialer_for, gateway, spool
from tests.fakeprovider import Behaviour, FakeProviderServer

pytestmark = pytest.mark.browser


def counter(page, name):
    return int(page.locator(f"[data-testid={name}]").inner_text())


def wait_for(page, predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(200)


def test_mass_upload_counters_stop_start_and_single_message(
    page, live_url, supervisor, celery_worker, tmp_path
):
    with FakeProviderServer() as server:
        server.always(Behaviour(delay=0.02))
        campaign = make_campaign(supervisor, name="promo", did="")
        # Paced (20 ms apart), so there is time to watch the counters move and to stop it.
        dialer_for(supervisor, gateway(server.url), campaign=campaign, time_between_messages=20)
        csv = tmp_path / "promo_november.csv"
        csv.write_text(
            "".join(f"promo;0990{i:05d};Hola {i}, tu oferta;{i % 3};\n" for i in range(300))
        )

        sign_in(page, live_url, supervisor.username)
        page.click("[data-testid=menu] a[data-section=dialer_monitor]")
        page.wait_for_selector("body[data-live=connected]")
        assert page.locator("[data-testid=status]").inner_text() == "Inactive"
        page.set_input_files("[data-testid=spool-file]", str(csv))
        page.click("[data-testid=upload-spool]")
        page.wait_for_selector(
            "[data-testid=upload-result]:has-text('300 rows loaded')", timeout=60_000
        )
        assert page.locator("[data-testid=upload-progress]").get_attribute("value") == "100"
        wait_for(page, lambda: counter(page, "not-processed") == 300)  # pushed live
        screenshot(page, "monitor-uploaded")

        page.click("[data-testid=start]")
        page.wait_for_selector("[data-testid=status]:has-text('Active')")
        wait_for(page, lambda: counter(page, "processed") > 0)
        page.click("[data-testid=stop]")
        page.wait_for_selector("[data-testid=status]:has-text('Inactive')")
        time.sleep(3)  # the batch in hand finishes
        stopped = len(server.requests)
        time.sleep(2)
        assert len(server.requests) == stopped < 300
        screenshot(page, "monitor-stopped")

        page.click("[data-testid=start]")
        wait_for(page, lambda: counter(page, "processed") == 300, 90)
        assert counter(page, "not-processed") == 0

        page.fill("[name=destination]", "099777888")
        page.fill("[name=message]", "Mensaje único")
        page.click("[data-testid=send-single]")
        page.wait_for_selector("text=Message queued")
        wait_for(page, lambda: counter(page, "processed") == 301, 60)
        screenshot(page, "monitor-done")
        assert SpoolRow.objects.filter(campaign=campaign, state=2).count() == 301
        assert "099777888" in {r.json()["to"] for r in server.requests}


def campaign_subscription(page) -> list[str]:
    """Frames the server sent on the page's websocket that confirm a campaign subscription."""
    confirmed: list[str] = []

    def watch(ws):
        ws.on(
            "framereceived",
            lambda frame: confirmed.append(frame) if '"subscribed"' in str(frame) else None,
        )

    page.on("websocket", watch)
    return confirmed


def test_counters_are_live_without_the_poll_and_delete_reports_n_deleted(
    page, live_url, supervisor, celery_worker
):
    campaign = make_campaign(supervisor, name="live", did="")
    polls: list[str] = []
    # The safety-net poll is out of the picture: only the websocket can move the counters.
    page.route("**/status.json", lambda route: (polls.append(route.request.url), route.abort()))
    confirmed = campaign_subscription(page)
    sign_in(page, live_url, supervisor.username)
    page.click("[data-testid=menu] a[data-section=dialer_monitor]")
    not_processed = page.locator("[data-testid=not-processed]")
    expect(not_processed).to_have_text("0")
    page.wait_for_selector("body[data-live=connected]")
    deadline = time.monotonic() + 5
    while not confirmed:
        assert time.monotonic() < deadline, "the monitor never subscribed to its campaign"
        page.wait_for_timeout(50)

    queue_message(campaign=campaign, destination="099000001", message="Hola")
    expect(not_processed).to_have_text("1", timeout=1000)  # pushed, within 1 s
    spool(campaign, [(f"09900{i:04d}", "Hola", 5) for i in range(40)])
    expect(not_processed).to_have_text("41", timeout=1000)
    screenshot(page, "monitor-live-counters")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=delete-unprocessed]")
    expect(page.locator("[data-testid=delete-progress]")).to_have_text(
        "41 deleted.", timeout=15_000
    )
    expect(not_processed).to_have_text("0", timeout=1000)
    assert not SpoolRow.objects.filter(campaign=campaign).exists()
    screenshot(page, "monitor-deleted")
