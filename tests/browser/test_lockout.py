"""Sign-in lockout in a real browser, through the ASGI server: the message, then an unlock."""

from __future__ import annotations

import pytest

from accounts.services import unlock_sign_in
from tests.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_five_wrong_passwords_lock_the_sign_in_until_an_admin_unlocks(page, live_url, supervisor):
    for _ in range(5):
        sign_in(page, live_url, supervisor.username, "not-the-password")
        page.wait_for_selector("[data-testid=login-error]")
    sign_in(page, live_url, supervisor.username)
    error = page.locator("[data-testid=login-locked] [data-testid=login-error]")
    assert "Sign-in is locked after 5 failed attempts" in error.inner_text()
    assert "Try again in 15 minutes, or ask an admin to unlock it." in error.inner_text()
    screenshot(page, "login-locked")

    assert unlock_sign_in(username=supervisor.username) == 1
    sign_in(page, live_url, supervisor.username)
    page.wait_for_selector("[data-testid=menu]")
