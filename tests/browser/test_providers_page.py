"""Providers page in a real browser: the form follows the API type, default rules, deletion."""

from __future__ import annotations

import pytest

from providers.models import Provider
from tests.conftest import screenshot, sign_in
from tests.providers.factories import TWILIO_SID

pytestmark = pytest.mark.browser


def visible_fields(page):
    return [
        el.get_attribute("data-field") for el in page.locator("#provider-form .field:visible").all()
    ]


def test_admin_configures_providers_through_the_form(page, live_url, admin):
    sign_in(page, live_url, admin.username)
    page.click("[data-testid=menu] a[data-section=providers]")

    # Twilio: its own fields, labels and help; nothing of the URL types.
    page.select_option("[name=api_type]", "Twilio")
    fields = visible_fields(page)
    assert {"username", "password", "sender", "settings__messaging_service_sid"} <= set(fields)
    assert "settings__body_template" not in fields and "ports" not in fields
    assert page.locator(".field[data-field=username] .label-text").inner_text() == "Account SID"
    page.fill("[name=name]", "Twilio main")
    page.fill("[name=username]", TWILIO_SID)
    page.fill("[name=password]", "tw-secret-token")
    page.fill("[name=sender]", "+15550001111")
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Provider “Twilio main” saved.")
    assert page.locator("[data-testid=webhooks] code").count() == 2

    # URL POST with basic auth: other fields appear.
    page.click("text=New provider")
    page.select_option("[name=api_type]", "URLPOSTSMSAuth")
    fields = visible_fields(page)
    assert {
        "endpoint",
        "username",
        "password",
        "settings__body_template",
        "settings__content_type",
    } <= set(fields)
    assert "settings__messaging_service_sid" not in fields
    page.fill("[name=name]", "Gateway POST")
    page.fill("[name=endpoint]", "https://gw.example.com/send")
    page.fill("[name=settings__body_template]", "to={destination}&text={mesage}")
    page.fill("[name=username]", "gwuser")
    page.fill("[name=password]", "gw-secret-pass")
    page.check("[name=is_default]")
    page.click("[data-testid=save]")
    # A typo in a placeholder is refused with the reason, next to the field, nothing stored.
    error = page.locator("[data-testid='error-settings__body_template']")
    assert "Unknown placeholder {mesage}" in error.inner_text()
    assert Provider.objects.count() == 1
    page.fill("[name=settings__body_template]", "to={destination}&text={message}")
    page.fill("[name=password]", "gw-secret-pass")  # never re-displayed: typed again
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Provider “Gateway POST” saved.")

    rows = page.locator("[data-testid=provider-list] tbody tr")
    assert rows.count() == 2
    assert page.locator("tr[data-provider='Gateway POST'] [data-testid=default-badge]").count() == 1
    assert page.locator("tr[data-provider='Twilio main'] [data-testid=default-badge]").count() == 0
    screenshot(page, "providers-page")

    # Delete the default (after confirming): the first remaining one becomes default.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=delete]")
    page.wait_for_selector("text=Provider “Gateway POST” deleted.")
    assert page.locator("tr[data-provider='Twilio main'] [data-testid=default-badge]").count() == 1
    screenshot(page, "providers-after-delete")

    # No page ever shows a secret back.
    for url in ("/providers/", f"/providers/{Provider.objects.get().pk}/"):
        html = page.request.get(live_url + url).text()
        assert "tw-secret-token" not in html and "gw-secret-pass" not in html


def test_cancelled_delete_keeps_the_provider(page, live_url, admin):
    from tests.providers.factories import twilio_provider

    provider = twilio_provider("Keep me")
    sign_in(page, live_url, admin.username)
    page.goto(f"{live_url}/providers/{provider.pk}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-testid=delete]")
    assert Provider.objects.filter(pk=provider.pk).exists()
