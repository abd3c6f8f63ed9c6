"""/api/v1/providers/: CRUD, default rules, write-only secrets, test sends, access."""

from __future__ import annotations

import json

import pytest

from accounts.tokens import create_api_token
from providers.models import Provider
from tests.fakeprovider import FakeProviderServer
from tests.fakeprovider.dialects import TwilioDialect
from tests.providers.factories import TWILIO_SID

SECRETS = ("twilio-token", "app-secret-value", "verify-token-value", "wa-token-value")


@pytest.fixture
def api(client, admin):
    _token, key = create_api_token(user=admin, name="tests")

    def call(method, path, data=None):
        return getattr(client, method)(path, data=json.dumps(data) if data is not None else None,
                                       content_type="application/json",
                                       HTTP_AUTHORIZATION=f"Token {key}")  # fmt: skip

    return call


def twilio_body(**extra):
    return {"name": "Twilio", "api_type": "Twilio", "username": TWILIO_SID,
            "password": "twilio-token", "sender": "+15550001111", **extra}  # fmt: skip


def test_create_list_retrieve_update_delete(api):
    created = api("post", "/api/v1/providers/", twilio_body())
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["is_default"] is True and body["channel"] == "sms"
    assert "password" not in body and body["secrets_set"] == ["password"]
    assert body["inbound_webhook"].startswith("http://testserver/providers/webhooks/")
    pk = body["id"]
    assert [p["name"] for p in api("get", "/api/v1/providers/").json()["results"]] == ["Twilio"]
    updated = api("patch", f"/api/v1/providers/{pk}/", {"sender": "+15550002222"})
    assert updated.status_code == 200 and updated.json()["sender"] == "+15550002222"
    assert Provider.objects.get().password == "twilio-token"  # a PATCH without it keeps it
    assert api("delete", f"/api/v1/providers/{pk}/").status_code == 204
    assert not Provider.objects.exists()


def test_secrets_never_appear_in_any_response(api):
    api("post", "/api/v1/providers/", twilio_body())
    wa = api("post", "/api/v1/providers/", {
        "name": "WA", "api_type": "WhatsAppCloud", "password": "wa-token-value",
        "settings": {"phone_number_id": "PN1", "app_secret": "app-secret-value",
                     "verify_token": "verify-token-value"}})  # fmt: skip
    assert wa.status_code == 201, wa.json()
    assert wa.json()["settings"] == {"phone_number_id": "PN1", "api_version": "v21.0"}
    pages = [
        api("get", "/api/v1/providers/"),
        wa,
        api("get", f"/api/v1/providers/{wa.json()['id']}/"),
        api("get", "/api/schema/"),
    ]
    for response in pages:
        text = response.content.decode()
        for secret in SECRETS:
            assert secret not in text


def test_default_moves_through_the_api(api):
    a = api("post", "/api/v1/providers/", twilio_body(name="A")).json()
    b = api("post", "/api/v1/providers/", twilio_body(name="B", is_default=True)).json()
    assert b["is_default"] is True
    assert api("get", f"/api/v1/providers/{a['id']}/").json()["is_default"] is False
    api("delete", f"/api/v1/providers/{b['id']}/")
    assert api("get", f"/api/v1/providers/{a['id']}/").json()["is_default"] is True


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "X", "api_type": "Twilio", "username": TWILIO_SID, "sender": "+1"}, "password",
         "Auth token is required for Twilio."),
        ({"name": "X", "api_type": "URLSMS", "endpoint": "http://x/?t={number}"}, "endpoint",
         "Unknown placeholder {number}"),
        ({"name": "X", "api_type": "URLSMS", "endpoint": "http://x/?t={destination}",
          "number_regexp": "[0-9"}, "number_regexp", "Not a valid regular expression"),
        ({"name": "X", "api_type": "Fax"}, "api_type", "Unknown API type"),
    ],
)  # fmt: skip
def test_bad_input_is_400_with_the_field_and_stores_nothing(api, body, field, message):
    response = api("post", "/api/v1/providers/", body)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Provider.objects.exists()


def test_test_send_answers_the_providers_id_or_error(api):
    dialect = TwilioDialect(TWILIO_SID, "twilio-token")
    with FakeProviderServer([dialect]) as server:
        pk = api("post", "/api/v1/providers/", twilio_body(endpoint=server.url)).json()["id"]
        ok = api("post", f"/api/v1/providers/{pk}/test", {"destination": "+59899111222",
                                                          "message": "Hola"})  # fmt: skip
        assert ok.status_code == 200 and ok.json()["provider_message_id"].startswith("SM")
        failed = api("post", f"/api/v1/providers/{pk}/test", {"destination": "099111222",
                                                              "message": "Hola"})  # fmt: skip
        assert failed.status_code == 502
        assert failed.json()["state"] == "failed" and "21211" in failed.json()["error"]
        api("patch", f"/api/v1/providers/{pk}/", {"number_regexp": r"^\+598"})
        refused = api("post", f"/api/v1/providers/{pk}/test", {"destination": "+1555",
                                                               "message": "Hola"})  # fmt: skip
        assert refused.status_code == 400
        assert "Incorrect number format" in refused.json()["destination"][0]
        assert len(server.requests) == 2  # the refused number never left


def test_access(client, supervisor, agent):
    assert client.get("/api/v1/providers/").status_code == 401
    for user in (supervisor, agent):
        _t, key = create_api_token(user=user, name="x")
        assert (
            client.get("/api/v1/providers/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 403
        )
