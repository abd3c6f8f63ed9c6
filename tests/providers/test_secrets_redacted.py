"""A provider that echoes the request in its error answer must not put the credentials into
what we store, answer or log (issue 10.1): sends through the dialer's real path and through the
provider Test action, against the fake provider over real HTTP."""

from __future__ import annotations

import json
import logging

import pytest

from accounts.tokens import create_api_token
from dialer.models import Dialer, SpoolRow
from dialer.sending import send_for
from dialer.states import SpoolState as S
from providers.adapters import adapter_class
from providers.adapters.base import OutgoingSMS, ProviderConfig, SendError
from providers.adapters.redaction import basic_token, secret_forms
from providers.models import OutboundMessage
from providers.services import save_provider
from tests.dialer.factories import dialer_for, spool
from tests.fakeprovider import Behaviour, FakeProviderServer

pytestmark = pytest.mark.django_db(transaction=True)

USER, PASSWORD = "acme", "S3cret/pa ss+ñ&x"


def leaked_forms() -> set[str]:
    return secret_forms(PASSWORD) | secret_forms(basic_token(USER, PASSWORD))


def assert_clean(text: str) -> None:
    found = [form for form in leaked_forms() if form in text]
    assert found == [], f"secret leaked as {found} in {text[:500]}"


@pytest.fixture
def echoing():
    with FakeProviderServer() as server:
        server.always(Behaviour(echo=400))
        yield server


@pytest.fixture
def provider(echoing):
    template = echoing.url + "/send?user={username}&pass={password}&to={destination}&t={message}"
    return save_provider(
        provider=None,
        values={"name": "Echoing", "api_type": "URLSMSAuth", "endpoint": template,
                "username": USER},
        secrets={"password": PASSWORD},
    )  # fmt: skip


def api(client, token, method, path, data=None):
    return getattr(client, method)(
        path,
        data=json.dumps(data) if data is not None else None,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )


def test_the_echo_really_carries_the_secret(echoing, provider):
    """The premise: the provider's answer holds the password (encoded) and the Basic header."""
    adapter = adapter_class("URLSMSAuth")(
        ProviderConfig("URLSMSAuth", endpoint=provider.endpoint, username=USER, password=PASSWORD)
    )
    with pytest.raises(SendError) as caught:
        adapter.deliver(OutgoingSMS("+59899123456", "hi"))
    assert "S3cret%2Fpa%20ss%2B%C3%B1%26x" in caught.value.message
    assert basic_token(USER, PASSWORD) in caught.value.message


def test_a_dialer_send_stores_and_shows_no_secret(
    client, echoing, provider, supervisor, caplog, settings
):
    settings.DIALER_SEND_CONCURRENCY = 1
    caplog.set_level(logging.DEBUG)
    dialer = dialer_for(supervisor, provider)
    spool(dialer.campaign, [("+59899000001", "Hello", 0)])
    Dialer.objects.filter(pk=dialer.pk).update(running=True)
    send_for(dialer.pk, 5)
    row = SpoolRow.objects.get(campaign=dialer.campaign)
    assert row.state == S.FAILED and row.error.startswith("HTTP 400: bad request: GET /send?")
    assert "***" in row.error
    assert_clean(row.error)
    token = create_api_token(user=supervisor, name="crm")[1]
    listed = api(client, token, "get", f"/api/v1/spool/?campaign={dialer.campaign_id}")
    assert listed.status_code == 200 and "HTTP 400" in listed.content.decode()
    assert_clean(listed.content.decode())
    assert_clean(caplog.text)
    assert_clean(" ".join(json.dumps(vars(r), default=str) for r in caplog.records))


def test_the_provider_test_action_answers_and_stores_no_secret(
    client, echoing, provider, admin, caplog
):
    caplog.set_level(logging.DEBUG)
    token = create_api_token(user=admin, name="ops")[1]
    answer = api(
        client, token, "post", f"/api/v1/providers/{provider.pk}/test/",
        {"destination": "+59899123456", "message": "Hello"},
    )  # fmt: skip
    assert answer.status_code == 502 and "HTTP 400" in answer.json()["error"]
    assert_clean(answer.content.decode())
    message = OutboundMessage.objects.get(provider=provider)
    assert message.state == OutboundMessage.State.FAILED
    assert_clean(message.error)
    assert_clean(caplog.text)
    assert_clean(" ".join(json.dumps(vars(r), default=str) for r in caplog.records))


@pytest.mark.parametrize(
    ("api_type", "values"),
    [
        ("URLPOSTSMS", {"endpoint": "/send", "settings": {
            "body_template": '{"u": "{username}", "p": "{password}", "to": "{destination}"}',
            "content_type": "json"}}),
        ("URLPOSTSMSAuth", {"endpoint": "/send", "settings": {
            "body_template": "p={password}&to={destination}", "content_type": "form"}}),
        ("CMG", {"endpoint": "/v1.0/message", "sender": "Acme"}),
        ("WhatsAppCloud", {"endpoint": "", "settings": {"phone_number_id": "PN1"}}),
        ("DinstarWeb", {"endpoint": "", "ports": "0", "settings": {"auth_scheme": "basic"}}),
        ("SMSMasivo", {"endpoint": "/enviar_sms.asp"}),
    ],
)  # fmt: skip
def test_every_http_adapter_masks_its_secrets(echoing, api_type, values):
    config = ProviderConfig(
        api_type, username=USER, password=PASSWORD,
        **{**values, "endpoint": echoing.url + values["endpoint"]},
    )  # fmt: skip
    with pytest.raises(SendError) as caught:
        adapter_class(api_type)(config).send(OutgoingSMS("+59899123456", "hi", number=1))
    assert "***" in str(caught.value), caught.value  # the echo was there, masked
    assert_clean(str(caught.value))


def test_webhook_tokens_are_masked_in_request_logs(client, provider, caplog):
    caplog.set_level(logging.DEBUG)
    token = provider.webhook_token
    answer = client.post(
        f"/providers/webhooks/{token}/status", data="{not json", content_type="application/json"
    )
    assert answer.status_code == 400
    logged = caplog.text + " ".join(json.dumps(vars(r), default=str) for r in caplog.records)
    assert "/webhooks/***/status" in logged
    assert token not in logged
