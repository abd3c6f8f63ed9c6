"""A supervisor runs a mass sending from the dialer monitor, in a real browser, with a real worker
sending to the fake provider."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from dialer.dncr import add_dncr
from dialer.models import SpoolRow
from dialer.services import queue_message
from dialer.states import SpoolState
from tests.campaigns.factories import make_campaign
from tests.conftest import screenshot, sign_in
from tests.dialer.factories import dialer_for, gateway, spool
from tests.fakeprovider import Behaviour, FakeProviderServer, Reply

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
        # The batch in hand finishes and its task ends: no row claimed, the worker (a solo pool:
        # it answers a ping only between tasks) free. This worker has no beat: nothing else
        # starts a batch, so one more ping round is the window of the negative check.
        sending = SpoolRow.objects.filter(campaign=campaign, state=SpoolState.SENDING)
        wait_for(page, lambda: not sending.exists() and celery_worker.idle())
        stopped = len(server.requests)
        wait_for(page, celery_worker.idle)
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


def test_sent_counter_retry_errors_and_the_csv_example(
    page, live_url, supervisor, celery_worker, fake_provider
):
    """Processed counts every finished row; Sent only those the provider accepted. A row refused
    with a temporary error waits for its retry and shows why."""
    campaign = make_campaign(supervisor, name="campsms", did="")
    dialer_for(supervisor, gateway(fake_provider.url), campaign=campaign)
    add_dncr(number="099000004", campaign_id=None)
    # Three requests reach the provider: accepted, refused for good, refused for now (and again
    # on every retry, so the row stays waiting while the test looks).
    fake_provider.then(Behaviour(), Behaviour(reply=Reply(400, "invalid destination")))
    fake_provider.always(Behaviour(reply=Reply(429, "too many requests, slow down")))
    spool(campaign, [(f"09900000{i}", f"Hola {i}", 1) for i in (1, 2, 3, 4)])

    sign_in(page, live_url, supervisor.username)
    page.click("[data-testid=menu] a[data-section=dialer_monitor]")
    page.wait_for_selector("#monitor[data-live=subscribed]")
    page.click("[data-testid=start]")
    expect(page.locator("[data-testid=processed]")).to_have_text("3", timeout=30_000)
    expect(page.locator("[data-testid=sent]")).to_have_text("1", timeout=5_000)
    expect(page.locator("[data-testid=blocked]")).to_have_text("1")
    expect(page.locator("[data-testid=failed]")).to_have_text("1")
    expect(page.locator("[data-testid=not-processed]")).to_have_text("1")
    assert SpoolRow.objects.filter(campaign=campaign, state=2).count() == 1

    page.reload()
    retry = page.locator("[data-testid=retry-row]")
    expect(retry).to_have_count(1)
    expect(retry.locator(".last-error")).to_contain_text("429")
    assert retry.locator("td").nth(1).inner_text() == "1"  # attempts
    screenshot(page, "monitor-sent-and-retry")

    # The CSV hint is an example data line, with a sample file to download.
    example = page.locator("[data-testid=csv-example]")
    expect(example).to_have_text("campsms;098344384;Hey World!;9999;")
    expect(page.locator("[data-testid=priority-note]")).to_contain_text("lower number goes first")
    with page.expect_download() as download:
        page.click("[data-testid=csv-sample]")
    sample = download.value.path().read_text()
    assert sample.splitlines()[0] == "campsms;098344384;Hey World!;9999;"
    # The sample is a valid upload: every line loads.
    page.set_input_files("[data-testid=spool-file]", str(download.value.path()))
    page.click("[data-testid=upload-spool]")
    expect(page.locator("[data-testid=upload-result]")).to_contain_text(
        f"{len(sample.splitlines())} rows loaded", timeout=30_000
    )
