"""For every api_type, the exact request that goes on the wire (method, path, auth, fields,
encoding), sent through the adapter to the fake provider over real HTTP."""

from __future__ import annotations

import base64

import pytest

from providers.adapters.base import OutgoingSMS, SendError
from tests.providers.adapters.cases import CASES, SID, TOKEN

TEXT = "Hola Ñandú ¿qué tal? {x} €"  # accents, GSM extension characters, a UCS-2 'ú' and 'á'


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def serve(monkeypatch):
    servers = []

    def start(api_type):
        case = CASES[api_type]
        server = case.server().start()
        servers.append(server)
        if server.ca_bundle:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        return case, server

    yield start
    for server in servers:
        server.stop()


def send(case, server, text=TEXT, destination=None, **kwargs):
    config = case.config(server.url)
    outgoing = OutgoingSMS(
        destination or case.destination,
        text,
        reference="0b6b1f9e-5c1d-4b8a-9a53-2f0c6f0e7a11",
        number=42,
        encoding=kwargs.pop("encoding", "UCS2"),
        **kwargs,
    )
    return case.adapter(config).send(outgoing)


def test_twilio(serve):
    case, server = serve("Twilio")
    result = send(case, server)
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", f"/2010-04-01/Accounts/{SID}/Messages.json")
    assert request.header("Authorization") == basic(SID, TOKEN)
    assert request.form() == {"To": ["+59899123456"], "From": ["+15550001111"], "Body": [TEXT]}
    assert result.provider_message_id.startswith("SM") and result.segments == 1


def test_twilio_whatsapp_prefixes_addresses(serve):
    case, server = serve("TwilioWhatsApp")
    send(case, server)
    form = server.requests[0].form()
    assert form["To"] == ["whatsapp:+59899123456"] and form["From"] == ["whatsapp:+15550001111"]


def test_twilio_invalid_number_is_permanent_with_twilios_code(serve):
    case, server = serve("Twilio")
    with pytest.raises(SendError) as caught:
        send(case, server, destination="099123456")
    assert caught.value.permanent and caught.value.code == "21211"


def test_vonage_over_tls(serve):
    case, server = serve("Nexmo")
    assert server.url.startswith("https://")
    result = send(case, server)
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/sms/json")
    assert request.header("Authorization") == basic("key1", "secret1")
    form = {k: v[0] for k, v in request.form().items()}
    assert form["to"] == "59899123456" and form["from"] == "Acme" and form["text"] == TEXT
    assert form["type"] == "unicode"
    assert form["client-ref"] == "0b6b1f9e-5c1d-4b8a-9a53-2f0c6f0e7a11"
    assert result.segments == 1


def test_vonage_gsm_text_goes_as_text_and_errors_carry_the_code(serve):
    case, server = serve("Nexmo")
    send(case, server, text="Hello", encoding="GSM7")
    assert server.requests[0].form()["type"] == ["text"]
    with pytest.raises(SendError) as caught:
        send(case, server, destination="+5989912345x")
    assert caught.value.permanent and caught.value.code == "3"


def test_infobip(serve):
    case, server = serve("InfoBip")
    result = send(case, server)
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/sms/3/messages")
    assert request.header("Authorization") == "App ib-key"
    body = request.json()
    message = body["messages"][0]
    assert message["sender"] == "Acme"
    assert message["destinations"] == [{"to": "59899123456"}]
    assert message["content"] == {"text": TEXT}
    assert message["webhooks"]["callbackData"] == "0b6b1f9e-5c1d-4b8a-9a53-2f0c6f0e7a11"
    assert result.status == "PENDING"


def test_infobip_rejected_message_is_permanent(serve):
    case, server = serve("InfoBip")
    with pytest.raises(SendError) as caught:
        send(case, server, destination="+5989912345x")
    assert caught.value.permanent and caught.value.code == "MISSING_TO"


def test_cm(serve):
    case, server = serve("CMG")
    result = send(case, server)
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v1.0/message")
    assert request.header("X-CM-PRODUCTTOKEN") == "cm-token"
    msg = request.json()["messages"]["msg"][0]
    assert msg["from"] == "Acme" and msg["to"] == [{"number": "0059899123456"}]
    assert msg["body"] == {"type": "auto", "content": TEXT}
    assert msg["reference"] == "0b6b1f9e5c1d4b8a9a532f0c6f0e7a11"
    assert result.provider_message_id == msg["reference"]


def test_dinstar_digest_one_port_per_request(serve):
    case, server = serve("DinstarWeb")
    result = send(case, server, port=2)
    first, second = server.requests  # the Digest challenge, then the authenticated request
    assert first.header("Authorization") is None
    assert second.header("Authorization").startswith("Digest ")
    assert (second.method, second.path) == ("POST", "/api/send_sms")
    assert second.json() == {
        "text": TEXT,
        "param": [{"number": "099123456", "user_id": 42}],
        "port": [2],
        "encoding": "unicode",
        "request_status_report": True,
    }
    assert result.provider_message_id == "42"


def test_smsmasivo(serve):
    case, server = serve("SMSMasivo")
    result = send(case, server)
    (request,) = server.requests
    assert (request.method, request.path) == ("GET", "/enviar_sms.asp")
    query = {k: v[0] for k, v in request.query.items()}
    assert query == {
        "api": "1",
        "usuario": "acme",
        "clave": "sm-pass",
        "tos": "1155556666",
        "texto": TEXT,
        "idinterno": "0b6b1f9e5c1d4b8a9a532f0c6f0e7a11",
        "respuestanumerica": "1",
    }
    assert result.provider_message_id == "0b6b1f9e5c1d4b8a9a532f0c6f0e7a11"


def test_smsmasivo_refusal_names_the_reason(serve):
    case, server = serve("SMSMasivo")
    with pytest.raises(SendError) as caught:
        send(case, server, destination="12")
    assert caught.value.code == "-7" and "Longitud" in caught.value.message


def test_whatsapp_cloud(serve):
    case, server = serve("WhatsAppCloud")
    result = send(case, server)
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v21.0/PN1/messages")
    assert request.header("Authorization") == "Bearer wa-token"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "59899123456",
        "type": "text",
        "text": {"body": TEXT, "preview_url": False},
    }
    assert result.provider_message_id.startswith("wamid.")


def test_url_get_encodes_placeholders_and_checks_the_success_pattern(serve):
    case, server = serve("URLSMS")
    result = send(case, server)
    (request,) = server.requests
    assert (request.method, request.path) == ("GET", "/send")
    assert {k: v[0] for k, v in request.query.items()} == {
        "to": "+59899123456",
        "text": TEXT,
        "from": "Acme",
        "id": "0b6b1f9e-5c1d-4b8a-9a53-2f0c6f0e7a11",
    }
    assert result.provider_message_id.startswith("gw-")


def test_url_get_auth_sends_basic_credentials(serve):
    case, server = serve("URLSMSAuth")
    send(case, server)
    assert server.requests[0].header("Authorization") == basic("u", "p")


def test_url_post_json_escapes_values(serve):
    case, server = serve("URLPOSTSMS")
    quoted = 'He said "hi"\nbye'
    result = send(case, server, text=quoted)
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/send")
    assert request.header("Content-Type") == "application/json"
    assert request.json() == {"to": "+59899123456", "text": quoted}
    assert result.provider_message_id.startswith("gw-")


def test_url_post_form_with_auth(serve):
    case, server = serve("URLPOSTSMSAuth")
    send(case, server)
    (request,) = server.requests
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert request.header("Authorization") == basic("u", "p")
    assert request.form() == {"to": ["+59899123456"], "msg": [TEXT]}


def test_quality(serve):
    case, server = serve("Quality")
    send(case, server)
    (request,) = server.requests
    assert (request.method, request.path) == ("GET", "/qsend")
    assert {k: v[0] for k, v in request.query.items()} == {
        "user": "q",
        "pass": "qp",
        "num": "+59899123456",
        "sms": TEXT,
    }


def test_success_pattern_mismatch_is_permanent(serve):
    from tests.fakeprovider import Behaviour, Reply

    case, server = serve("URLSMS")
    server.then(Behaviour(reply=Reply(200, "ERROR no credit")))
    with pytest.raises(SendError) as caught:
        send(case, server)
    assert caught.value.permanent and caught.value.code == "pattern"


def test_url_placeholders_are_utf8_percent_encoded(serve):
    case, server = serve("URLSMS")
    send(case, server, text="ñ €&x=1")
    assert "text=%C3%B1%20%E2%82%AC%26x%3D1&" in server.requests[0].target
