"""A supervisor reads the Reports page in a real browser: charts drawn, tables, a filter, a bad
date range refused with its message, a CSV downloaded."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from reports.rollups import install
from tests.conftest import screenshot, sign_in
from tests.reports.test_api_and_page import spool
from tests.reports.world import ZONE, D, at, build

pytestmark = pytest.mark.browser


@pytest.fixture
def montevideo_history(live_url, settings, supervisor, other_supervisor, group, other_group):
    original = settings.TIME_ZONE
    settings.TIME_ZONE = ZONE
    install(ZONE)  # committed (a transactional test): put back afterwards
    world = build(supervisor, other_supervisor, group, other_group)
    spool(world.sales, 5, at(D, 9), 2, "delivered")
    spool(world.sales, 1, at(D, 9), 2, "undelivered")
    spool(world.sales, 2, at(D, 9), 1)
    yield world
    settings.TIME_ZONE = original
    install(original)


def test_reports_page(page, live_url, supervisor, montevideo_history):
    sign_in(page, live_url, supervisor.username)
    page.click("[data-testid=menu] a[data-section=reports]")
    page.fill("[data-testid=filter-start]", D.isoformat())
    page.fill("[data-testid=filter-end]", "2026-11-11")
    page.click("[data-testid=apply-filters]")
    expect(page.locator("[data-testid=total-received]")).to_have_text("6")
    expect(page.locator("[data-testid=total-service-level]")).to_have_text("33.3")
    for chart in ("days", "service", "dialer"):
        canvas = page.locator(f"[data-testid=chart-{chart}]")
        expect(canvas).to_be_visible()
        expect(canvas).to_have_attribute("data-drawn", "true")
    assert page.locator("[data-testid=chart-days]").bounding_box()["height"] > 100
    campaigns = page.locator("[data-testid=table-campaigns] tbody tr")
    expect(campaigns).to_have_count(1)
    expect(campaigns.first).to_contain_text("Sales")
    agents = page.locator("[data-testid=table-agents] tbody tr")
    expect(agents).to_have_count(2)
    screenshot(page, "reports-two-days")

    # Filter: one agent.
    page.select_option("[data-testid=filter-agent]", label="Ana")
    page.click("[data-testid=apply-filters]")
    expect(agents).to_have_count(1)
    expect(agents.first).to_contain_text("Ana")
    expect(page.locator("[data-testid=total-received]")).to_have_text("2")
    screenshot(page, "reports-one-agent")

    with page.expect_download() as download:
        page.click("[data-testid=csv-agents]")
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0][:3] == ["Id", "Agent", "Interactions"]
    assert [row[1:4] for row in rows[1:]] == [["Ana", "2", "2"]]
    dialer = page.locator("[data-testid=table-dialer] tbody tr")
    expect(dialer).to_have_count(2)
    expect(dialer.nth(1)).to_contain_text("Sent")

    # A bad range: the message next to the field, no figures.
    page.fill("[data-testid=filter-start]", "2026-11-12")
    page.click("[data-testid=apply-filters]")
    expect(page.locator("[data-testid=error-end]")).to_contain_text("before the start date")
    expect(page.locator("[data-testid=report-totals]")).to_have_count(0)
    screenshot(page, "reports-bad-range")
