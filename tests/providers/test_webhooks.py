"""Webhooks over real HTTP: the fake provider posts to the portal's live ASGI server, signed as the
real provider signs them. Bad signatures and malformed bodies change nothing."""

from __future__ import annotations

import json
import time

import pytest
from vonage import Auth

from conversations.models import Message
from conversations.states import Author, Direction, Routing
from providers.configuration import webhook_url
from providers.delivery import DeliveryStatus
from providers.models import DeliveryReport, OutboundMessage, Provider
from providers.services import save_provider, send_message
from tests.fakeprovider import FakeProviderServer
from tests.fakeprovider.dialects import (
    CMDialect,
    DinstarDialect,
    InfobipDialect,
    TwilioDialect,
    VonageDialect,
    WhatsAppCloudDialect,
)
from tests.fakeprovider.dialects.webhook import Webhook
from tests.providers.factories import TWILIO_SID

pytestmark = pytest.mark.django_db(transaction=True)


def urls(provider: Provider, live_url: str) -> tuple[str, str]:
    return webhook_url(provider, "inbound", live_url), webhook_url(provider, "status", live_url)


def nothing_stored():
    return not Message.objects.exists() and not DeliveryReport.objects.exists()


def received():
    """Inbound messages as the webhooks store them: from the customer, waiting for routing
    (this module has no campaign, so a worker would leave them unrouted)."""
    return Message.objects.filter(direction=Direction.IN, author=Author.CUSTOMER)


def make(api_type: str, values: dict, secrets: dict) -> Provider:
    return save_provider(provider=None, values={"name": api_type, "api_type": api_type, **values},
                         secrets=secrets)  # fmt: skip


# ----------------------------------------------------------------------------------- Twilio
@pytest.fixture
def twilio(live_url):
    dialect = TwilioDialect(TWILIO_SID, "twilio-token")
    with FakeProviderServer([dialect]) as server:
        provider = make(
            "Twilio",
            {"username": TWILIO_SID, "sender": "+15550001111", "endpoint": server.url},
            {"password": "twilio-token"},
        )
        yield provider, dialect, *urls(provider, live_url)


def test_twilio_inbound_is_stored_once_and_answered_with_twiml(twilio):
    provider, dialect, inbound, _ = twilio
    hook = dialect.inbound(inbound, "+59899111222", "+15550001111", "Hola, ¿me ayudan?")
    status, body = hook.deliver()
    assert status == 200 and b"<Response/>" in body
    assert hook.deliver()[0] == 200  # Twilio retries: nothing is stored twice
    (message,) = Message.objects.all()
    assert (message.number, message.did, message.text) == (
        "+59899111222",
        "+15550001111",
        "Hola, ¿me ayudan?",
    )
    assert (message.direction, message.author) == (Direction.IN, Author.CUSTOMER)


def test_twilio_delivery_report_updates_the_sent_message(twilio):
    provider, dialect, _, status_url = twilio
    sent = send_message(provider=provider, destination="+59899111222", text="Hi")
    assert sent.state == OutboundMessage.State.SENT
    assert dialect.status(status_url, sent.provider_message_id, "sent").deliver()[0] == 200
    assert dialect.status(status_url, sent.provider_message_id, "delivered").deliver()[0] == 200
    # A late intermediate report does not undo the final one.
    assert dialect.status(status_url, sent.provider_message_id, "sent").deliver()[0] == 200
    sent.refresh_from_db()
    assert sent.delivery_status == DeliveryStatus.DELIVERED


@pytest.mark.parametrize("token", ["wrong-token", None])
def test_twilio_bad_or_missing_signature_is_403_and_stores_nothing(twilio, token):
    provider, dialect, inbound, _ = twilio
    params = {"MessageSid": "SM1", "From": "+598991", "To": "+1555", "Body": "x"}
    hook = dialect.signed(inbound, params, token=token) if token else Webhook.form(inbound, params)
    status, body = hook.deliver()
    assert status == 403 and b"signature" in body
    assert nothing_stored()


def test_twilio_malformed_body_is_400_naming_the_field(twilio):
    provider, dialect, inbound, _ = twilio
    status, body = dialect.signed(inbound, {"MessageSid": "SM1", "Body": "x"}).deliver()
    assert status == 400 and json.loads(body) == {"field": "From", "error": "missing"}
    assert nothing_stored()


def test_unknown_webhook_token_is_404(twilio, live_url):
    assert Webhook.form(f"{live_url}/providers/webhooks/nope/inbound", {}).deliver()[0] == 404
    assert nothing_stored()


def test_inbound_message_is_routed_by_a_real_worker(twilio, celery_worker):
    provider, dialect, inbound, _ = twilio
    dialect.inbound(inbound, "+59899111222", "+15550001111", "route me").deliver()
    deadline = time.monotonic() + 20
    while Message.objects.get().routing == Routing.PENDING and time.monotonic() < deadline:
        time.sleep(0.05)  # a poll interval
    assert Message.objects.get().routing == Routing.UNROUTED


# ----------------------------------------------------------------------------------- Vonage
@pytest.fixture
def vonage(live_url, monkeypatch):
    dialect = VonageDialect("key1", "secret1", signature_secret="sig-secret")
    with FakeProviderServer([dialect], tls=True) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        provider = make("Nexmo", {"username": "key1", "sender": "Acme", "endpoint": server.url,
                                  "settings": {"signature_method": "sha256"}},
                        {"password": "secret1", "signature_secret": "sig-secret"})  # fmt: skip
        yield provider, dialect, *urls(provider, live_url)


def test_vonage_signed_inbound_and_multipart_reassembly(vonage):
    provider, dialect, inbound, _ = vonage
    assert dialect.inbound(inbound, "59899111222", "Acme", "one message").deliver()[0] == 200
    assert (
        dialect.inbound(inbound, "59899111222", "Acme", "world", concat=("R1", 2, 2)).deliver()[0]
        == 200
    )
    assert received().count() == 1  # half a message is not a message yet
    assert (
        dialect.inbound(inbound, "59899111222", "Acme", "hello ", concat=("R1", 2, 1)).deliver()[0]
        == 200
    )
    texts = sorted(received().values_list("text", flat=True))
    assert texts == ["hello world", "one message"]


def test_vonage_bad_signature_is_403(vonage):
    provider, dialect, inbound, _ = vonage
    hook = dialect.inbound(inbound, "59899111222", "Acme", "hi")
    hook.body = hook.body.replace(b"text=hi", b"text=changed")
    assert hook.deliver()[0] == 403
    assert nothing_stored()


def signed_at(dialect: VonageDialect, url: str, params: dict, timestamp: object) -> Webhook:
    auth = Auth(api_key="key1", signature_secret="sig-secret", signature_method="sha256")
    params = {**params, "timestamp": str(timestamp)}
    return Webhook.form(url, {**params, "sig": auth.sign_params(dict(params))})


@pytest.mark.parametrize(
    ("age", "answer"), [(0, 200), (290, 200), (301, 403), (3600, 403), (-301, 403)]
)
def test_vonage_signed_request_older_than_five_minutes_is_refused(vonage, age, answer):
    provider, dialect, inbound, _ = vonage
    params = {"msisdn": "59899111222", "to": "Acme", "messageId": "old-1", "text": "replayed"}
    status, body = signed_at(dialect, inbound, params, int(time.time()) - age).deliver()
    assert status == answer, body
    assert received().exists() == (answer == 200)


def test_vonage_signed_request_without_a_usable_timestamp_is_refused(vonage):
    provider, dialect, inbound, _ = vonage
    params = {"msisdn": "59899111222", "to": "Acme", "messageId": "old-2", "text": "x"}
    assert signed_at(dialect, inbound, params, "yesterday").deliver()[0] == 403
    assert nothing_stored()


def test_vonage_delivery_report(vonage):
    provider, dialect, _, status_url = vonage
    sent = send_message(provider=provider, destination="+59899111222", text="Hi")
    assert dialect.status(status_url, sent.provider_message_id, "delivered").deliver()[0] == 200
    sent.refresh_from_db()
    assert sent.delivery_status == DeliveryStatus.DELIVERED


# ----------------------------------------------------------------------------------- Infobip
def test_infobip_inbound_status_and_malformed(live_url):
    dialect = InfobipDialect("ib-key")
    with FakeProviderServer([dialect]) as server:
        provider = make(
            "InfoBip", {"endpoint": server.url, "sender": "Acme"}, {"password": "ib-key"}
        )
        inbound, status_url = urls(provider, live_url)
        status, body = Webhook(
            "POST", inbound, {"Content-Type": "application/json"}, b"{nope"
        ).deliver()
        assert status == 400 and json.loads(body)["field"] == "body"
        assert "not valid JSON" in json.loads(body)["error"]
        assert nothing_stored()
        assert dialect.inbound(inbound, "59899111222", "Acme", "hola").deliver()[0] == 200
        assert received().get().text == "hola"
        sent = send_message(provider=provider, destination="+59899111222", text="Hi")
        assert (
            dialect.status(status_url, sent.provider_message_id, "UNDELIVERABLE").deliver()[0]
            == 200
        )
        sent.refresh_from_db()
        assert sent.delivery_status == DeliveryStatus.UNDELIVERED


# ----------------------------------------------------------------------------------- CM
def test_cm_status_by_reference_and_inbound(live_url):
    dialect = CMDialect("cm-token")
    with FakeProviderServer([dialect]) as server:
        provider = make(
            "CMG",
            {"endpoint": server.url + "/v1.0/message", "sender": "Acme"},
            {"password": "cm-token"},
        )
        inbound, status_url = urls(provider, live_url)
        sent = send_message(provider=provider, destination="+59899111222", text="Hi")
        assert dialect.status(status_url, sent.provider_message_id, "2").deliver()[0] == 200
        sent.refresh_from_db()
        assert sent.delivery_status == DeliveryStatus.DELIVERED
        assert (
            dialect.inbound(inbound, "0059899111222", "Acme", "reply", "ref9").deliver()[0] == 200
        )
        assert received().get().text == "reply"


# ----------------------------------------------------------------------------------- Dinstar
def test_dinstar_push_inbound_and_results(live_url):
    dialect = DinstarDialect("admin", "gw-pass")
    with FakeProviderServer([dialect]) as server:
        provider = make(
            "DinstarWeb",
            {"endpoint": server.url, "username": "admin", "ports": "0-3"},
            {"password": "gw-pass"},
        )
        inbound, status_url = urls(provider, live_url)
        assert dialect.inbound(inbound, "099111222", 2, "hola", 17).deliver()[0] == 200
        message = received().get()
        assert (message.number, message.did, message.provider_message_id) == (
            "+59899111222",  # 099111222 normalised: the customer's number in E.164
            "2",  # the port it came in on
            "fake-sn:17",
        )
        sent = send_message(provider=provider, destination="099111222", text="Hi")
        user_id = int(sent.provider_message_id)
        assert dialect.status(status_url, user_id, "SENT_OK").deliver()[0] == 200
        sent.refresh_from_db()
        assert sent.delivery_status == DeliveryStatus.SENT


# ----------------------------------------------------------------------------------- WhatsApp
def test_whatsapp_cloud_handshake_signature_inbound_status(live_url):
    dialect = WhatsAppCloudDialect("wa-token", app_secret="app-secret")
    with FakeProviderServer([dialect]) as server:
        provider = make("WhatsAppCloud", {"endpoint": server.url,
                                          "settings": {"phone_number_id": "PN1"}},
                        {"password": "wa-token", "app_secret": "app-secret",
                         "verify_token": "vt-1"})  # fmt: skip
        inbound, status_url = urls(provider, live_url)
        ok = Webhook("GET", inbound + "?hub.mode=subscribe&hub.verify_token=vt-1&hub.challenge=42")
        assert ok.deliver() == (200, b"42")
        bad = Webhook("GET", inbound + "?hub.mode=subscribe&hub.verify_token=no&hub.challenge=42")
        assert bad.deliver()[0] == 403
        forged = dialect.inbound(inbound, "59899111222", "hi")
        forged.headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
        assert forged.deliver()[0] == 403
        assert nothing_stored()
        assert dialect.inbound(inbound, "59899111222", "hola").deliver()[0] == 200
        assert received().get().number == "+59899111222"
        sent = send_message(provider=provider, destination="+59899111222", text="Hi")
        assert dialect.status(status_url, sent.provider_message_id, "read").deliver()[0] == 200
        sent.refresh_from_db()
        assert sent.delivery_status == DeliveryStatus.READ


# ----------------------------------------------------------------------------------- URL APIs
def test_generic_url_webhooks(live_url):
    provider = make("URLSMS", {"endpoint": "http://127.0.0.1:9/s?to={destination}"}, {})
    inbound, status_url = urls(provider, live_url)
    assert Webhook("GET", inbound + "?from=099111222&to=1234&text=hola&id=77").deliver()[0] == 200
    assert received().get().text == "hola"
    status, body = Webhook.form(status_url, {"id": "77", "status": "teleported"}).deliver()
    assert status == 400 and json.loads(body)["field"] == "status"
    assert "unknown value 'teleported'" in json.loads(body)["error"]
    assert not DeliveryReport.objects.exists()
    assert Webhook.form(status_url, {"id": "77", "status": "delivered"}).deliver()[0] == 200
    assert DeliveryReport.objects.get().status == DeliveryStatus.DELIVERED


def test_report_that_arrives_before_the_send_returns_is_applied_later(live_url, db):
    provider = make("URLSMS", {"endpoint": "http://127.0.0.1:9/s?to={destination}"}, {})
    _, status_url = urls(provider, live_url)
    Webhook.form(status_url, {"id": "early-1", "status": "delivered"}).deliver()
    from providers.services import _apply_reports

    message = OutboundMessage.objects.create(provider=provider, destination="1", text="x",
                                             encoding="GSM7", provider_message_id="early-1")  # fmt: skip
    _apply_reports(provider, ["early-1"])
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.DELIVERED
