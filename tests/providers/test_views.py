"""The providers page without a browser: test sends, refusals, access."""

from __future__ import annotations

from providers.models import OutboundMessage, Provider
from tests.fakeprovider import FakeProviderServer
from tests.fakeprovider.dialects import TwilioDialect
from tests.providers.factories import TWILIO_SID, twilio_provider


def test_test_send_shows_the_providers_answer(client, admin):
    with FakeProviderServer([TwilioDialect(TWILIO_SID, "twilio-token")]) as server:
        provider = twilio_provider(endpoint=server.url)
        client.force_login(admin)
        html = client.post(
            f"/providers/{provider.pk}/test/", {"destination": "+59899111222", "message": "Hola"}
        ).content.decode()
        sent = OutboundMessage.objects.get()
        assert f"Sent: provider id {sent.provider_message_id}" in html
        html = client.post(
            f"/providers/{provider.pk}/test/", {"destination": "099", "message": "Hola"}
        ).content.decode()
        assert "Not sent:" in html and "21211" in html
        assert "twilio-token" not in html


def test_test_send_with_a_number_the_regexp_refuses(client, admin):
    provider = twilio_provider(number_regexp=r"^\+598")
    client.force_login(admin)
    html = client.post(
        f"/providers/{provider.pk}/test/", {"destination": "+1555", "message": "x"}
    ).content.decode()
    assert "Incorrect number format: +1555 does not match ^\\+598." in html
    assert not OutboundMessage.objects.exists()


def test_deleting_a_provider_with_history_is_refused_with_the_reason(client, admin):
    provider = twilio_provider()
    OutboundMessage.objects.create(provider=provider, destination="1", text="x", encoding="GSM7")
    client.force_login(admin)
    response = client.post(f"/providers/{provider.pk}/delete/", follow=True)
    assert "has sent or received messages" in response.content.decode()
    assert Provider.objects.filter(pk=provider.pk).exists()


def test_supervisors_and_agents_cannot_open_providers(client, supervisor, agent):
    provider = twilio_provider()
    for user in (supervisor, agent):
        client.force_login(user)
        assert client.get("/providers/").status_code == 403
        assert client.get(f"/providers/{provider.pk}/").status_code == 403
        assert client.post(f"/providers/{provider.pk}/delete/").status_code == 403
    assert Provider.objects.exists()
