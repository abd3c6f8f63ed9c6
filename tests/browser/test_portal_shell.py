"""The portal shell in a real browser: sign-in, menus per role, languages, live events."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.services import DEMO_USERS, create_demo_users
from accounts.tasks import notify_user
from tests.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

EXPECTED_MENUS = {
    "admin": ["SMS / WhatsApp", "Campaigns", "Members", "SMS dialers", "Agent inbox", "Monitoring",
              "Dialer monitor", "Recordings", "Reports", "Simulator", "Agents"],
    "supervisor": ["Campaigns", "Members", "SMS dialers", "Monitoring", "Dialer monitor",
                   "Recordings", "Reports", "Simulator", "Agents"],
    "agent1": ["Agent inbox"],
    "agent2": ["Agent inbox"],
}  # fmt: skip


def test_each_demo_user_signs_in_and_sees_exactly_their_menu(page, live_url):
    passwords = create_demo_users()
    assert sorted(passwords) == sorted(name for name, *_ in DEMO_USERS)
    for username, password in passwords.items():
        sign_in(page, live_url, username, password)
        page.wait_for_selector("[data-testid=menu]")
        entries = page.locator("[data-testid=menu] a").all_inner_texts()
        assert entries == EXPECTED_MENUS[username], username
        screenshot(page, f"menu-{username}")
        # Every entry opens.
        for link in page.locator("[data-testid=menu] a").all():
            href = link.get_attribute("href")
            assert page.request.get(f"{live_url}{href}").status == 200, href
        page.click("[data-testid=logout]")
        page.wait_for_selector("[data-testid=login-form]")


def test_wrong_password_shows_an_error(page, live_url, supervisor):
    sign_in(page, live_url, supervisor.username, "not-the-password")
    error = page.locator("[data-testid=login-error]")
    assert "correct username and password" in error.inner_text()
    assert page.url.endswith("/login/")
    screenshot(page, "login-error")


def test_agent_opening_a_supervisor_url_gets_403(page, live_url, agent):
    sign_in(page, live_url, agent.username)
    page.wait_for_selector("[data-testid=agent-state]")
    assert page.locator("[data-testid=agent-state]").inner_text() == "Free"
    response = page.goto(f"{live_url}/campaigns/")
    assert response.status == 403


def test_language_switcher_changes_the_portal_to_spanish(page, live_url, supervisor):
    sign_in(page, live_url, supervisor.username)
    page.select_option("[data-testid=language]", "es")
    page.wait_for_selector("text=Campañas")
    assert "Cerrar sesión" in page.locator("[data-testid=logout]").inner_text()
    screenshot(page, "spanish")


def test_assets_are_served_by_the_app_and_nothing_comes_from_elsewhere(page, live_url, admin):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_url, admin.username)
    page.wait_for_selector("[data-testid=menu]")
    page.goto(f"{live_url}/api/docs/")
    page.wait_for_selector(".swagger-ui", timeout=15_000)
    assert requested
    outside = [u for u in requested if not re.match(r"^(ws|http)://127\.0\.0\.1:\d+/", u)]
    assert outside == [], outside
    css = page.request.get(f"{live_url}/static/css/portal.css")
    assert css.status == 200 and "text/css" in css.headers["content-type"]


def test_event_raised_in_a_celery_worker_reaches_the_browser(page, live_url, agent, celery_worker):
    sign_in(page, live_url, agent.username)
    page.wait_for_selector("body[data-live=connected]")
    notify_user.delay(agent.pk, "Hello from the worker")
    page.wait_for_selector(".toast:has-text('Hello from the worker')", timeout=15_000)
    screenshot(page, "worker-event")


def test_demo_users_command_prints_passwords_only_once(capsys, transactional_db):
    call_command("create_demo_users")
    first = capsys.readouterr().out
    assert "admin" in first and "agent2" in first
    call_command("create_demo_users")
    second = capsys.readouterr().out
    assert "exist already" in second
    assert User.objects.count() == 4
