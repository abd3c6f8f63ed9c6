"""A supervisor finds a conversation on the Recordings page, reads its transcript, downloads it
and exports the filtered list through a real worker, in a real browser."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from recordings.exports import expire_exports
from recordings.models import ExportJob
from tests.conftest import screenshot, sign_in
from tests.recordings.world import build

pytestmark = pytest.mark.browser


def test_filter_open_download_and_export(
    page, live_url, supervisor, other_supervisor, other_group, agent, celery_worker
):
    world = build(supervisor, other_supervisor, other_group)
    sign_in(page, live_url, "sam")
    page.goto(f"{live_url}/recordings/")
    expect(page.get_by_test_id("recording-row")).to_have_count(4)  # not the other group's
    expect(page.get_by_test_id("recordings-total")).to_have_text("4 conversations")

    # Bad input: the message names the field, on the page.
    page.get_by_test_id("filter-origin").fill("hello")
    page.get_by_test_id("search").click()
    expect(page.get_by_test_id("error-origin")).to_contain_text("is not a phone number")

    # The manual's filters: origin in a local spelling, a campaign, an agent, the dates.
    page.get_by_test_id("filter-origin").fill("098 123 456")
    page.get_by_test_id("filter-campaign").select_option(label="Sales")
    page.get_by_test_id("filter-agent").select_option(label="Alex")
    page.get_by_test_id("filter-start").fill("2026-03-01")
    page.get_by_test_id("filter-end").fill("2026-03-31")
    page.get_by_test_id("search").click()
    rows = page.get_by_test_id("recording-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("+59898123456")
    expect(rows.first).to_contain_text("Answered")
    screenshot(page, "recordings-filtered")

    rows.first.click()
    messages = page.get_by_test_id("transcript-message")
    expect(messages).to_have_count(4)
    expect(messages.nth(0)).to_contain_text("Customer +59898123456")
    expect(messages.nth(1)).to_contain_text("Alex")
    expect(messages.nth(2)).to_contain_text('=HYPERLINK("http://evil","x")')  # shown as text
    expect(messages.nth(3)).to_contain_text("Failed")
    screenshot(page, "recordings-transcript")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-txt").click()
    download = download_info.value
    assert download.suggested_filename == f"conversation-{world.i1.pk}.txt"
    text = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert text[0] == f"Conversation {world.i1.pk}"
    assert text[-1] == "    -2+3 is my code"

    page.get_by_test_id("export-list").click()
    expect(page.get_by_test_id("export-link")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("export-text")).to_have_text("Done: 4 messages.")
    expect(page.get_by_test_id("export-progress")).to_have_attribute("value", "100")
    screenshot(page, "recordings-exported")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-link").click()
    with open(download_info.value.path(), encoding="utf-8", newline="") as exported:
        lines = list(csv.reader(exported))
    assert len(lines) == 1 + 4
    assert [line[10] for line in lines[1:]] == [
        "Hi, I have a question about my invoice", "Hello! Let me check that.",
        "'=HYPERLINK(\"http://evil\",\"x\")", "'-2+3 is my code",
    ]  # fmt: skip

    # The page left open past EXPORT_KEEP_HOURS: the link says the export expired.
    ExportJob.objects.update(finished_at=timezone.now() - dt.timedelta(hours=100))
    assert expire_exports() == 1
    page.get_by_test_id("export-link").click()
    expect(page.get_by_test_id("export-text")).to_contain_text("This export has expired")
    expect(page.get_by_test_id("export-link")).to_be_hidden()
    expect(page.get_by_test_id("export-retry")).to_be_hidden()
    screenshot(page, "recordings-export-expired")
