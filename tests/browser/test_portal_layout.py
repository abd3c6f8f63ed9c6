"""What a new user sees around the pages: a phone-sized screen, error pages, the favicon, the
placeholder pages, and the Content-Security-Policy in force on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dialer.dncr import add_dncr
from tests.campaigns.factories import make_campaign, office_hours
from tests.conftest import PASSWORD, screenshot, sign_in
from tests.dialer.factories import dialer_for, gateway

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def portal(admin, supervisor, agent):
    """One of everything, so edit pages and lists have rows to lay out."""
    provider = gateway("http://127.0.0.1:9", name="Gateway with a rather long name for phones")
    schedule = office_hours("Office hours")
    campaign = make_campaign(supervisor, name="Support UY", provider=provider, did="59899000111")
    campaign.schedules.set([schedule])
    dialer = dialer_for(supervisor, provider, campaign=campaign)
    add_dncr(number="098344384", campaign_id=None)
    return {"provider": provider, "schedule": schedule, "campaign": campaign, "dialer": dialer}


def pages_for(role: str, portal: dict, menu_links: list[str]) -> list[str]:
    c, p, s, d = portal["campaign"], portal["provider"], portal["schedule"], portal["dialer"]
    extra = ["/", "/account/tokens/", "/account/password/", "/no-such-page/"]
    if role == "admin":
        extra += [f"/providers/{p.pk}/"]
    if role in ("admin", "supervisor"):
        extra += [f"/campaigns/{c.pk}/", "/campaigns/schedules/", f"/campaigns/schedules/{s.pk}/",
                  f"/dialers/{d.pk}/", "/dialers/dncr/", f"/dialers/monitor/?campaign={c.pk}"]  # fmt: skip
    if role == "agent":
        extra += ["/campaigns/"]  # 403
    return list(dict.fromkeys([*menu_links, *extra]))


def fits_the_screen(page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width[0]} > {width[1]} px"


@pytest.mark.parametrize("role", ["admin", "supervisor", "agent"])
def test_every_page_fits_a_phone_and_the_menu_folds_behind_a_button(
    page, live_url, portal, role, request
):
    user = request.getfixturevalue(role)
    page.set_viewport_size(PHONE)
    sign_in(page, live_url, user.username)
    page.wait_for_selector("[data-testid=current-user]")

    # The menu is folded away behind its button, which opens and closes it.
    menu, toggle = page.locator("[data-testid=menu]"), page.locator("[data-testid=menu-toggle]")
    expect(toggle).to_be_visible()
    expect(menu).to_be_hidden()
    toggle.click()
    expect(menu).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    links = menu.locator("a")
    hrefs = [a.get_attribute("href") for a in links.all()]
    assert hrefs
    for link in links.all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, f"phone-{role}-menu-open")
    toggle.click()
    expect(menu).to_be_hidden()

    for url in pages_for(role, portal, hrefs):
        page.goto(f"{live_url}{url}")
        page.wait_for_load_state("load")
        fits_the_screen(page)
        # The header's links stay readable: on screen, not shrunk, not cut off.
        for item in page.locator(".topbar a, .topbar button, .topbar select").all():
            box = item.bounding_box()
            assert box is not None, f"{url}: a header item is not shown"
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, url
            size = float(item.evaluate("e => getComputedStyle(e).fontSize")[:-2])
            assert size >= 13, f"{url}: header text is {size}px"
        slug = (
            re.sub(r"[^a-z]+", "-", re.sub(r"\d+", "edit", url.split("?")[0])).strip("-") or "home"
        )
        screenshot(page, f"phone-{role}-{slug}")

    # Two-column pages stack: the list comes below the form, not beside it.
    if role != "agent":
        page.goto(f"{live_url}/campaigns/")
        first, second = page.locator(".split > *").all()[:2]
        assert (
            second.bounding_box()["y"]
            >= first.bounding_box()["y"] + first.bounding_box()["height"] - 1
        )


def test_signed_out_pages_fit_a_phone(page, live_url):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_url}/login/")
    fits_the_screen(page)
    page.goto(f"{live_url}/no-such-page/")
    assert page.locator("[data-testid=error-page]").is_visible()
    fits_the_screen(page)
    screenshot(page, "phone-login")


def test_403_and_404_pages_keep_the_menu_and_a_way_back(page, live_url, agent, supervisor):
    sign_in(page, live_url, agent.username)
    page.wait_for_selector("[data-testid=menu]")
    response = page.goto(f"{live_url}/campaigns/")
    assert response.status == 403
    expect(page.locator("[data-testid=error-page]")).to_contain_text("You may not open this page")
    expect(page.locator("[data-testid=menu] a")).to_have_text(["Agent inbox"])
    screenshot(page, "error-403")
    page.click("[data-testid=back-home]")
    expect(page).to_have_url(f"{live_url}/")

    response = page.goto(f"{live_url}/campaigns/schedules/9999/nope")
    assert response.status == 404
    expect(page.locator("[data-testid=error-page]")).to_contain_text("There is no page here")
    expect(page.locator("[data-testid=error-page] code")).to_have_text(
        "/campaigns/schedules/9999/nope"
    )
    expect(page.locator("[data-testid=menu]")).to_be_visible()
    screenshot(page, "error-404")
    page.click("[data-testid=back]")  # history back: the start page we came from
    expect(page).to_have_url(f"{live_url}/")

    # A 404 raised by a view (a campaign of another group) looks the same.
    page.click("[data-testid=logout]")
    sign_in(page, live_url, supervisor.username)
    page.wait_for_selector("[data-testid=menu]")
    assert page.goto(f"{live_url}/campaigns/424242/").status == 404
    expect(page.locator("[data-testid=error-page]")).to_be_visible()
    expect(page.locator("[data-testid=menu] a")).not_to_have_count(0)


def test_favicon_is_linked_and_answers(page, live_url, agent):
    sign_in(page, live_url, agent.username)
    page.wait_for_selector("[data-testid=menu]")
    href = page.locator("link[rel=icon]").get_attribute("href")
    icon = page.request.get(f"{live_url}{href}")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in icon.body()
    legacy = page.request.get(f"{live_url}/favicon.ico")  # follows the redirect
    assert legacy.status == 200 and legacy.body() == icon.body()


def test_the_policy_blocks_inline_scripts_and_the_watch_sees_it(page, live_url, agent, csp_watch):
    """The CSP is enforced in the browser (not only sent), and the watch that every browser test
    relies on does report a violation."""
    sign_in(page, live_url, agent.username)
    page.wait_for_selector("body[data-live=connected]")
    assert csp_watch.collect() == []
    csp_watch.expected = True
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', "
        '\'<img src="/static/favicon.svg" onload="window.__inline = 1">\')'
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__inline") is None
    assert any("script-src" in v for v in csp_watch.collect())


def test_django_admin_works_under_the_policy(page, live_url, admin):
    """The built-in admin stays usable with the CSP (the watch fails the test on a violation)."""
    admin.is_staff = admin.is_superuser = True
    admin.save()
    page.goto(f"{live_url}/django-admin/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(f"{live_url}/django-admin/accounts/user/{admin.pk}/change/")
    page.wait_for_selector("#user_form")
