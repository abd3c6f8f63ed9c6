"""A supervisor sets up a campaign and its members in a real browser."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from accounts.tokens import create_api_token
from campaigns.models import Campaign
from tests.campaigns.factories import office_hours, provider
from tests.conftest import make_user, screenshot, sign_in

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
    page.select_option("[data-testid=member-campaigns]", label="Support UY")
    page.select_option(
        "[data-testid=member-agents]",
        value=[
            str(a.pk)
            for a in campaign.security_group.users.filter(role="agent", username__in=["ana", "ben"])
        ],
    )
    page.click("[data-testid=add-members]")
    page.wait_for_selector("text=2 member(s) added.")
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
