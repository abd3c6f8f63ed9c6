"""A supervisor sets up a campaign and its members in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tokens import create_api_token
from campaigns.models import Campaign
from campaigns.services import save_campaign
from tests.campaigns.factories import campaign_values, make_campaign, office_hours, provider
from tests.conftest import make_user, screenshot, sign_in
from tests.dialer.factories import gateway

pytestmark = pytest.mark.browser


def test_supervisor_creates_a_campaign_and_adds_members(
    page, live_url, supervisor, group, other_supervisor, client
):
    provider()
    office_hours("Office hours")
    make_user("ana", Role.AGENT, [group])
    make_user("ben", Role.AGENT, [group])
    sign_in(page, live_url, supervisor.username)
    page.click("[data-testid=menu] a[data-section=campaigns]")

    page.fill("[name=name]", "Support UY")
    page.fill("[name=did]", "59899000111")
    page.select_option("[name=strategy]", "least_recent")
    page.select_option("[data-testid=available-schedules]", label="Office hours")
    page.click("[data-testid=attach-schedule]")
    assert page.locator("[data-testid=attached-schedules] option").all_inner_texts() == [
        "Office hours"
    ]
    page.fill("[name=threshold_service_level]", "45")
    page.fill("[name=threshold_abandon]", "300")
    page.fill("[name=threshold_chat_time]", "1200")
    page.fill("[name=threshold_acd]", "8")
    page.fill("[name=max_interactions_per_agent]", "4")
    page.fill("[name=out_of_time_message]", "We open at 9:00. We will answer you then.")
    for i, (title, text) in enumerate(
        [
            ("Greeting", "Hello! How can I help?"),
            ("Wait", "One moment, please."),
            ("Bye", "Thanks for writing to us."),
        ]
    ):
        if i:
            page.click("[data-testid=add-preset]")
        page.fill(f"[name=presets-{i}-title]", title)
        page.fill(f"[name=presets-{i}-text]", text)
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Campaign “Support UY” saved.")

    campaign = Campaign.objects.get(name="Support UY")
    assert [s.name for s in campaign.schedules.all()] == ["Office hours"]
    assert (
        campaign.threshold_service_level,
        campaign.threshold_abandon,
        campaign.threshold_chat_time,
        campaign.threshold_acd,
        campaign.max_interactions_per_agent,
        campaign.strategy,
    ) == (45, 300, 1200, 8, 4, "least_recent")
    assert campaign.out_of_time_message == "We open at 9:00. We will answer you then."
    assert list(campaign.preset_responses.values_list("title", flat=True)) == [
        "Greeting",
        "Wait",
        "Bye",
    ]
    assert page.locator("tr[data-campaign='Support UY']").count() == 1
    screenshot(page, "campaign-form")

    # Bad input in the browser: a negative threshold is refused next to the field.
    page.fill("[name=threshold_abandon]", "-3")
    page.click("[data-testid=save]")
    assert (
        "Ensure this value is greater than or equal to 0."
        in page.locator("[data-testid=error-threshold_abandon]").inner_text()
    )
    campaign.refresh_from_db()
    assert campaign.threshold_abandon == 300

    page.click("[data-testid=menu] a[data-section=members]")
    # Several agents are picked by ticking boxes: no Ctrl-click needed.
    page.locator("[data-testid=member-campaigns]").get_by_label("Support UY").check()
    for name in ("ana", "ben"):
        page.locator("[data-testid=member-agents]").get_by_label(f"({name})").check()
    page.click("[data-testid=add-members]")
    page.wait_for_selector("text=2 members added.")
    rows = page.locator("[data-testid=member-list] tbody tr").all_inner_texts()
    assert [r.split("\t") for r in rows] == [["Support UY", "ana"], ["Support UY", "ben"]]
    screenshot(page, "members-page")

    # A supervisor of another group does not see it, nor can open it.
    page.click("[data-testid=logout]")
    sign_in(page, live_url, other_supervisor.username)
    page.click("[data-testid=menu] a[data-section=campaigns]")
    assert page.locator("tr[data-campaign='Support UY']").count() == 0
    assert page.goto(f"{live_url}/campaigns/{campaign.pk}/").status == 404
    _t, key = create_api_token(user=other_supervisor, name="x")
    response = page.request.get(
        f"{live_url}/api/v1/campaigns/{campaign.pk}/", headers={"Authorization": f"Token {key}"}
    )
    assert response.status == 404


def test_plus_opens_the_schedule_form_when_no_schedule_exists(page, live_url, supervisor):
    provider()
    sign_in(page, live_url, supervisor.username)
    page.click("[data-testid=menu] a[data-section=campaigns]")
    expect(page.locator("[data-testid=available-schedules] option")).to_have_count(0)
    expect(page.locator("[data-testid=no-schedules-yet]")).to_be_visible()
    page.click("[data-testid=attach-schedule]")
    expect(page.locator("[data-testid=schedule-form]")).to_be_visible()
    expect(page).to_have_url(f"{live_url}/campaigns/schedules/")


def titles(page) -> list[str]:
    """The pre-set response titles a person sees (hidden rows left out)."""
    return [i.input_value() for i in page.locator("[data-testid=preset-row]:visible input").all()]


def test_preset_responses_can_be_removed(page, live_url, supervisor):
    campaign = make_campaign(supervisor, name="Support UY")
    save_campaign(
        user=supervisor,
        campaign=campaign,
        values=campaign_values(supervisor, name="Support UY"),
        presets=[{"title": "Greeting", "text": "Hello!"}, {"title": "Bye", "text": "Bye!"}],
    )
    sign_in(page, live_url, supervisor.username)
    page.goto(f"{live_url}/campaigns/{campaign.pk}/")
    rows = page.locator("[data-testid=preset-row]")
    assert titles(page) == ["Greeting", "Bye", ""]
    rows.nth(0).locator("[data-testid=remove-preset]").click()
    expect(rows.nth(0)).to_be_hidden()
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Campaign “Support UY” saved.")
    assert list(campaign.preset_responses.values_list("title", flat=True)) == ["Bye"]
    assert titles(page) == ["Bye", ""]


def test_a_missing_schedule_is_a_warning_not_an_error(page, live_url, supervisor):
    campaign = make_campaign(supervisor, name="Support UY")
    sign_in(page, live_url, supervisor.username)
    page.goto(f"{live_url}/campaigns/{campaign.pk}/")
    warning = page.locator("[data-testid=no-schedule-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_have_class(re.compile(r"\bwarning\b"))
    expect(warning).not_to_have_class(re.compile(r"\berror\b"))
    # It looks different from an error: amber, not the error red.
    page.fill("[name=threshold_abandon]", "-3")
    page.click("[data-testid=save]")
    error = page.locator("[data-testid=error-threshold_abandon]")
    expect(error).to_be_visible()
    colour = "e => getComputedStyle(e).color"
    assert page.locator("[data-testid=no-schedule-warning]").evaluate(colour) != error.evaluate(
        colour
    )
    screenshot(page, "campaign-warning-and-error")


def test_provider_list_shows_type_labels(page, live_url, admin):
    gateway("http://127.0.0.1:9", name="Gateway")
    provider("Twilio main")
    sign_in(page, live_url, admin.username)
    page.click("[data-testid=menu] a[data-section=providers]")
    types = page.locator("[data-testid=provider-list] [data-testid=api-type]")
    expect(types).to_have_text(["URL POST", "Twilio (SMS)"])
