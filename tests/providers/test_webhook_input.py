"""Malformed webhooks are answered 400 naming the field, never 500, and store nothing.

A 500 makes a provider retry for hours; a 400 tells it (and whoever reads its logs) what is
wrong. Every case goes through the real URL and view (Django's test client), signed where the
provider signs.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from conversations.models import Message
from providers import webhook_parsing
from providers.adapters import registry
from providers.configuration import webhook_url
from providers.models import DeliveryReport, InboundPart, OutboundMessage, Provider
from providers.services import save_provider

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_public_base_url")]

TWILIO_TOKEN = "twilio-token"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def no_public_base_url(settings):
    settings.PUBLIC_BASE_URL = ""  # signatures are over the URL the test client calls


def make(api_type: str) -> Provider:
    """A provider of ``api_type`` with its required fields filled (no signature secrets except
    Twilio's token, which Twilio always signs with)."""
    values: dict[str, Any] = {"name": api_type, "api_type": api_type, "sender": "Acme"}
    settings: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for spec in registry()[api_type].fields:
        if not spec.required:
            continue
        if spec.secret:
            secrets[spec.setting or spec.name] = TWILIO_TOKEN
        elif spec.setting:
            settings[spec.setting] = spec.default or "x"
        elif spec.name != "sender":
            values[spec.name] = {
                "endpoint": "https://gw.example/s?to={destination}&m={message}",
                "ports": "0-3",
            }.get(spec.name, "user")
    return save_provider(provider=None, values={**values, "settings": settings}, secrets=secrets)


def path(provider: Provider, kind: str) -> str:
    return webhook_url(provider, kind, "http://testserver")


def post_form(provider: Provider, kind: str, params: dict[str, str] | bytes) -> Any:
    url = path(provider, kind)
    body = params if isinstance(params, bytes) else urlencode(params).encode()
    headers = {}
    if provider.api_type.startswith("Twilio") and isinstance(params, dict):
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
        headers["X-Twilio-Signature"] = signature
    return Client().generic("POST", url, body, content_type=FORM, headers=headers)


def post_json(provider: Provider, kind: str, data: Any) -> Any:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return Client().generic("POST", path(provider, kind), body, content_type="application/json")


def refused(response: Any, field: str, reason: str = "") -> None:
    """400 naming ``field`` (and ``reason`` in the error), and nothing stored."""
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["field"] == field, answer
    assert reason in answer["error"], answer
    assert not Message.objects.exists()
    assert not InboundPart.objects.exists()
    assert not DeliveryReport.objects.exists()


# ----------------------------------------------------------------------------------- Twilio
TWILIO_INBOUND = {"MessageSid": "SM1", "From": "+59899111222", "To": "+15550001111", "Body": "hi"}


@pytest.mark.parametrize(
    "segments", ["abc", "-5", "0", "99999999999999999999999", "1e3", "2.5", "²", "٣"]
)
def test_twilio_num_segments_not_a_small_whole_number(segments):
    provider = make("Twilio")
    refused(post_form(provider, "inbound", {**TWILIO_INBOUND, "NumSegments": segments}),
            "NumSegments")  # fmt: skip


def test_twilio_valid_num_segments_is_stored():
    provider = make("Twilio")
    assert post_form(provider, "inbound", {**TWILIO_INBOUND, "NumSegments": "3"}).status_code == 200
    assert Message.objects.get().segments == 3


@pytest.mark.parametrize("field", ["From", "To"])
def test_an_address_with_more_digits_than_a_number_can_hold_is_refused(field):
    """Senders are stored normalised (digits and a leading +) in conversations.Message.number."""
    provider = make("Twilio")
    too_long = "+" + "9" * (webhook_parsing.NUMBER_DIGITS + 1)
    refused(post_form(provider, "inbound", {**TWILIO_INBOUND, field: too_long}), field, "digits")
    longest = "+" + "9" * webhook_parsing.NUMBER_DIGITS
    assert post_form(provider, "inbound", {**TWILIO_INBOUND, field: longest}).status_code == 200


@pytest.mark.parametrize("missing", ["MessageSid", "From", "To"])
def test_twilio_missing_inbound_field(missing):
    provider = make("Twilio")
    params = {k: v for k, v in TWILIO_INBOUND.items() if k != missing}
    refused(post_form(provider, "inbound", params), missing, "missing")


def test_twilio_status_missing_or_unknown():
    provider = make("Twilio")
    refused(post_form(provider, "status", {"MessageSid": "SM1"}), "MessageStatus", "missing")
    refused(post_form(provider, "status", {"MessageSid": "SM1", "MessageStatus": "lost"}),
            "MessageStatus", "unknown")  # fmt: skip


def test_twilio_values_too_long_for_the_database():
    provider = make("Twilio")
    refused(post_form(provider, "inbound", {**TWILIO_INBOUND, "From": "+1" * 40}), "From")
    refused(post_form(provider, "inbound", {**TWILIO_INBOUND, "MessageSid": "S" * 201}),
            "MessageSid")  # fmt: skip


def test_twilio_nul_in_the_text():
    provider = make("Twilio")
    refused(post_form(provider, "inbound", {**TWILIO_INBOUND, "Body": "a\x00b"}), "Body", "NUL")


def test_non_utf8_form_body():
    provider = make("Twilio")
    refused(post_form(provider, "inbound", b"MessageSid=SM1&From=%FF%FE&To=1"), "body", "UTF-8")
    provider = make("URLSMS")
    refused(post_form(provider, "inbound", b"from=1&id=2&text=caf\xe9"), "body", "UTF-8")


def test_non_utf8_query_string():
    provider = make("URLSMS")
    response = Client().get(path(provider, "inbound") + "?from=1&id=2&text=%FF")
    refused(response, "query", "UTF-8")


def test_twilio_called_with_json_is_refused_not_500():
    provider = make("Twilio")
    url = path(provider, "inbound")
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, {})
    response = Client().generic("POST", url, json.dumps(TWILIO_INBOUND), content_type="application/json",
                                headers={"X-Twilio-Signature": signature})  # fmt: skip
    refused(response, "MessageSid", "missing")


# ----------------------------------------------------------------------------------- Infobip
def infobip_inbound(**item: Any) -> dict:
    return {"results": [{"messageId": "ib1", "from": "59899111222", "to": "Acme",
                         "text": "hola", "smsCount": 1, **item}]}  # fmt: skip


@pytest.mark.parametrize("count", ["abc", -1, "-1", 0, 2.5, True, 10**30, [1], {"n": 1}])
def test_infobip_sms_count_not_a_small_whole_number(count):
    provider = make("InfoBip")
    refused(post_json(provider, "inbound", infobip_inbound(smsCount=count)),
            "results[0].smsCount")  # fmt: skip


def test_infobip_shapes_and_missing_fields():
    provider = make("InfoBip")
    refused(post_json(provider, "inbound", {"results": "x"}), "results", "not a list")
    refused(post_json(provider, "inbound", {"results": [1]}), "results", "not a list")
    refused(post_json(provider, "inbound", [1, 2]), "body", "not an object")
    refused(post_json(provider, "inbound", {}), "results", "missing")
    refused(post_json(provider, "inbound", infobip_inbound(**{"from": None})), "results[0].from")
    refused(post_json(provider, "inbound", infobip_inbound(messageId=7)), "results[0].messageId")
    refused(post_json(provider, "inbound", infobip_inbound(text={"a": 1})), "results[0].text")
    refused(post_json(provider, "status", {"results": [{"messageId": "m", "status": "DELIVERED"}]}),
            "results[0].status", "not an object")  # fmt: skip
    refused(post_json(provider, "status", {"results": [{"messageId": "m", "status": {}}]}),
            "results[0].status.groupName", "missing")  # fmt: skip
    refused(post_json(provider, "status", {"results": [
        {"messageId": "m", "status": {"groupName": "DELIVERED"}, "error": {"id": 1, "name": 5}}]}),
            "results[0].error.name")  # fmt: skip


def test_too_many_items_in_one_call():
    provider = make("InfoBip")
    item = infobip_inbound()["results"][0]
    body = {"results": [{**item, "messageId": f"ib{i}"} for i in range(1001)]}
    refused(post_json(provider, "inbound", body), "results", "more than 1000")


def test_infobip_form_content_type_is_refused():
    provider = make("InfoBip")
    refused(post_form(provider, "inbound", {"messageId": "1", "from": "2"}), "body", "JSON")


def test_infobip_valid_body_still_stored():
    provider = make("InfoBip")
    assert post_json(provider, "inbound", infobip_inbound(smsCount="2")).status_code == 200
    assert Message.objects.get().segments == 2


# ----------------------------------------------------------------------------------- Vonage
VONAGE_INBOUND = {"msisdn": "59899111222", "to": "Acme", "messageId": "v1", "text": "hi"}


def vonage_part(total: str, part: str) -> dict:
    return {**VONAGE_INBOUND, "concat": "true", "concat-ref": "R1", "concat-total": total,
            "concat-part": part}  # fmt: skip


@pytest.mark.parametrize(
    ("total", "part", "field"),
    [
        ("abc", "1", "concat-total"),
        ("2", "-1", "concat-part"),
        ("2", "0", "concat-part"),
        ("2", "3", "concat-part"),  # part beyond the total
        ("0", "1", "concat-total"),
        ("256", "1", "concat-total"),
        ("99999999999999999999", "1", "concat-total"),
        ("2", "", "concat-part"),
    ],
)
def test_vonage_concat_out_of_range(total, part, field):
    provider = make("Nexmo")
    refused(post_form(provider, "inbound", vonage_part(total, part)), field)


def test_vonage_concat_within_range_is_kept_as_a_part():
    provider = make("Nexmo")
    assert post_form(provider, "inbound", vonage_part("255", "255")).status_code == 200
    assert InboundPart.objects.get().total == 255


def test_vonage_json_body_with_nested_value_or_bad_types():
    provider = make("Nexmo")
    refused(post_json(provider, "inbound", {**VONAGE_INBOUND, "text": {"a": 1}}), "text")
    refused(post_json(provider, "inbound", {**VONAGE_INBOUND, "concat": "true",
                                            "concat-ref": "R", "concat-total": 2.5,
                                            "concat-part": 1}), "concat-total")  # fmt: skip
    refused(post_json(provider, "status", {"messageId": "v1", "status": "gone"}), "status")


# ----------------------------------------------------------------------------------- WhatsApp
def whatsapp(kind: str, **item: Any) -> dict:
    value: dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": "15550001111"}}  # fmt: skip
    if kind == "messages":
        value["messages"] = [{"from": "59899111222", "id": "wamid.1", "type": "text",
                              "text": {"body": "hola"}, **item}]  # fmt: skip
    else:
        value["statuses"] = [{"id": "wamid.1", "status": "delivered", **item}]
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}  # fmt: skip


WA = "entry[0].changes[0].value."


@pytest.mark.parametrize("field", ["id", "from"])
@pytest.mark.parametrize("bad", [12345, ["x"], {"a": 1}, True])
def test_whatsapp_id_or_from_not_a_string(field, bad):
    provider = make("WhatsAppCloud")
    refused(post_json(provider, "inbound", whatsapp("messages", **{field: bad})),
            f"{WA}messages[0].{field}", "not a string")  # fmt: skip


def test_whatsapp_other_shapes():
    provider = make("WhatsAppCloud")
    refused(post_json(provider, "inbound", whatsapp("messages", text="plain")),
            f"{WA}messages[0].text", "not an object")  # fmt: skip
    refused(post_json(provider, "inbound", {"entry": [{"changes": "x"}]}), "entry[0].changes")
    body = whatsapp("messages")
    body["entry"][0]["changes"][0]["value"]["metadata"] = ["x"]
    refused(post_json(provider, "inbound", body), f"{WA}metadata", "not an object")
    refused(post_json(provider, "status", whatsapp("statuses", id=5)), f"{WA}statuses[0].id")
    refused(post_json(provider, "status", whatsapp("statuses", errors="boom")),
            f"{WA}statuses[0].errors")  # fmt: skip


# ----------------------------------------------------------------------------------- CM, Dinstar
@pytest.mark.parametrize(
    ("api_type", "body"),
    [
        ("DinstarWeb", {"sn": "g", "sms": [{"incoming_sms_id": 1, "number": "9" * 40, "port": 1}]}),
        ("URLSMS", {"id": "u1", "from": "9" * 40, "to": "1234", "text": "hi"}),
    ],
)
def test_a_sender_longer_than_a_number_is_refused_by_every_adapter(api_type, body):
    refused(post_json(make(api_type), "inbound", body), "sender", "digits")


def test_cm_and_dinstar_malformed():
    cm = make("CMG")
    refused(post_json(cm, "status", {"messages": {"msg": "x"}}), "messages.msg")
    refused(post_json(cm, "status", {"messages": {"msg": [{"reference": "r", "status": {}}]}}),
            "messages.msg[0].status.code", "missing")  # fmt: skip
    refused(post_json(cm, "inbound", {"reference": "r", "from": ["x"], "to": "1"}), "from")
    dinstar = make("DinstarWeb")
    refused(post_json(dinstar, "inbound", {"sn": "g", "sms": [{"incoming_sms_id": 1,
                                                               "number": "1", "port": 99}]}),
            "sms[0].port")  # fmt: skip
    refused(post_json(dinstar, "status", {"sn": "g", "sms_result": [{"user_id": 1.5,
                                                                      "status": "SENT_OK"}]}),
            "sms_result[0].user_id")  # fmt: skip


# ----------------------------------------------------------------------------------- every JSON type
JSON_TYPES = ["InfoBip", "WhatsAppCloud", "CMG", "DinstarWeb", "Nexmo", "URLSMS"]


@pytest.mark.parametrize("api_type", JSON_TYPES)
@pytest.mark.parametrize("kind", ["inbound", "status"])
def test_json_nested_100000_deep(api_type, kind):
    provider = make(api_type)
    refused(post_json(provider, kind, b"[" * 100_000 + b"]" * 100_000), "body", "nested")
    refused(post_json(provider, kind, b'{"a":' * 100_000 + b"1" + b"}" * 100_000), "body")


@pytest.mark.parametrize("api_type", JSON_TYPES)
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"results": "caf\xe9"}', "UTF-8"),
        (b'{"results": NaN}', "JSON"),
        (b'{"results": 1e999}', "JSON"),
        (b"{nope", "JSON"),
        (b'{"results": "\\u0000"}', "NUL"),
        (b'{"results": "\\ud800"}', "surrogate"),
    ],
)
def test_json_bodies_a_database_cannot_store(api_type, body, reason):
    provider = make(api_type)
    response = post_json(provider, "inbound", body)
    assert response.status_code == 400 and reason in response.json()["error"]
    refused(response, response.json()["field"])


def test_parsing_limits_follow_the_models():
    def length(model: Any, name: str) -> int:
        return model._meta.get_field(name).max_length

    assert length(Message, "provider_message_id") == webhook_parsing.ID_LENGTH
    assert length(DeliveryReport, "provider_message_id") == webhook_parsing.ID_LENGTH
    assert length(OutboundMessage, "provider_message_id") >= webhook_parsing.ID_LENGTH
    assert length(InboundPart, "sender") == webhook_parsing.ADDRESS_LENGTH
    assert length(InboundPart, "recipient") == webhook_parsing.ADDRESS_LENGTH
    assert length(Message, "did") == webhook_parsing.ADDRESS_LENGTH
    assert length(Message, "number") == webhook_parsing.NUMBER_DIGITS + 1  # and a +
    assert length(InboundPart, "concat_ref") == webhook_parsing.REF_LENGTH
