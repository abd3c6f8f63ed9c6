"""Configuration → Agents in a real browser: an admin creates an agent with a security group, a
campaign and screen monitoring, resets their password and the agent signs in with it; break
types show their icons from the sprite; a supervisor sees the agents read-only."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.roles import Role
from campaigns.models import CampaignMember
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_an_admin_sets_up_an_agent_who_signs_in_and_a_supervisor_reads_it(
    page, browser, live_url, admin, supervisor, group, other_group
):
    make_campaign(supervisor, name="Sales UY")
    make_user("stan", Role.AGENT, [other_group])
    sign_in(page, live_url, admin.username)
    page.click("[data-testid=menu] a[data-section=agents_config]")
    expect(page.locator("h1")).to_have_text("Agents")

    page.fill("[name=username]", "nina")
    page.fill("[name=first_name]", "Nina")
    page.fill("[name=last_name]", "Núñez")
    page.select_option("[name=role]", "agent")
    page.locator("[data-testid=checklist-security_groups] label", has_text="Sales").click()
    page.locator("[data-testid=checklist-campaigns] label", has_text="Sales UY").click()
    page.check("[name=screen_monitoring]")
    page.click("[data-testid=save]")
    first = page.locator("[data-testid=new-password]").inner_text()
    assert len(first) >= 16
    screenshot(page, "agents-config-created")
    nina = User.objects.get(username="nina")
    assert nina.screen_monitoring and nina.check_password(first)
    assert list(CampaignMember.objects.filter(agent=nina).values_list("campaign__name", flat=True))
    assert [g.name for g in nina.security_groups.all()] == ["Sales"]

    page.click("[data-testid=back-to-user]")
    expect(page.locator("[data-testid=checklist-campaigns] input:checked")).to_have_count(1)
    expect(page.locator("[name=screen_monitoring]")).to_be_checked()
    screenshot(page, "agents-config-edit")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=reset-password]")
    expect(page.locator("h1")).to_have_text("New password for nina")
    second = page.locator("[data-testid=new-password]").inner_text()
    assert second != first
    screenshot(page, "agents-config-password")

    # The agent signs in with the new password (the first one no longer works).
    agent_context = browser.new_context(locale="en-US")
    agent_tab = agent_context.new_page()
    sign_in(agent_tab, live_url, "nina", first)
    expect(agent_tab.locator("form button[type=submit]")).to_be_visible()
    assert "/login/" in agent_tab.url
    sign_in(agent_tab, live_url, "nina", second)
    expect(agent_tab.locator("[data-testid=current-user]")).to_contain_text("Nina Núñez")
    agent_context.close()

    # Break types: an icon of the set, drawn from the sprite.
    page.click("[data-testid=menu] a[data-section=agents_config]")
    page.click("[data-testid=tab-break-types]")
    page.fill("[name=name]", "Stretch")
    page.fill("[name=icon]", "person-arms-up")
    page.fill("[name=position]", "50")
    assert page.locator("#icon-preview").bounding_box()["width"] > 0
    page.click("[data-testid=save-break-type]")
    expect(page.locator("text=Break type “Stretch” saved.")).to_be_visible()
    icon = page.locator("tr[data-break-type=Stretch] svg")
    expect(icon).to_be_visible()
    screenshot(page, "agents-config-break-types")

    # The supervisor reads their group's agents; nothing to edit, nobody of another group.
    sup_context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    sup = sup_context.new_page()
    sign_in(sup, live_url, supervisor.username)
    sup.click("[data-testid=menu] a[data-section=agents_config]")
    row = sup.locator("tr[data-user=nina]")
    expect(row).to_contain_text("Sales UY")
    expect(row).to_contain_text("On")
    expect(sup.locator("tr[data-user=stan]")).to_have_count(0)
    expect(sup.locator("[data-testid=user-form]")).to_have_count(0)
    sup.click("tr[data-user=nina] a")
    expect(sup.locator("[data-testid=user-details]")).to_contain_text("Sales UY")
    expect(sup.locator("[data-testid=reset-password]")).to_have_count(0)
    screenshot(sup, "agents-config-supervisor")
    sup_context.close()
