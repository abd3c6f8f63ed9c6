"""Random form and JSON bodies at every provider type's inbound and status webhook: never a 500.

Bodies are either built from the field names the adapters read (so parsing goes deep) or valid
sample bodies with one value replaced by anything JSON can hold. A bounded number of examples
keeps this to a few seconds.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from providers.adapters import registry
from tests.providers.test_webhook_input import (
    FORM,
    TWILIO_INBOUND,
    TWILIO_TOKEN,
    VONAGE_INBOUND,
    infobip_inbound,
    make,
    path,
    whatsapp,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_public_base_url(settings):
    settings.PUBLIC_BASE_URL = ""  # signatures are over the URL the test client calls


NAMES = [
    "MessageSid",
    "From",
    "To",
    "Body",
    "NumSegments",
    "MessageStatus",
    "ErrorCode",
    "msisdn",
    "to",
    "messageId",
    "text",
    "concat",
    "concat-ref",
    "concat-total",
    "concat-part",
    "status",
    "err-code",
    "results",
    "from",
    "smsCount",
    "groupName",
    "error",
    "id",
    "name",
    "entry",
    "changes",
    "value",
    "metadata",
    "display_phone_number",
    "messages",
    "statuses",
    "type",
    "errors",
    "title",
    "code",
    "sn",
    "sms",
    "incoming_sms_id",
    "number",
    "port",
    "sms_result",
    "user_id",
    "reference",
    "message",
    "body",
    "msg",
    "errorDescription",
    "cleanText",
    "timestamp",
    "sig",
]
# Valid bodies per adapter module: (kind, shape, body).
SAMPLES = {
    "twilio": [
        ("inbound", "form", {**TWILIO_INBOUND, "NumSegments": "1"}),
        ("status", "form", {"MessageSid": "SM1", "MessageStatus": "delivered", "ErrorCode": ""}),
    ],
    "vonage": [
        ("inbound", "form", VONAGE_INBOUND),
        (
            "inbound",
            "form",
            {
                **VONAGE_INBOUND,
                "concat": "true",
                "concat-ref": "R",
                "concat-total": "2",
                "concat-part": "1",
            },
        ),
        ("inbound", "json", VONAGE_INBOUND),
        ("status", "form", {"messageId": "v1", "status": "delivered", "err-code": "0"}),
    ],
    "infobip": [
        ("inbound", "json", infobip_inbound()),
        (
            "status",
            "json",
            {
                "results": [
                    {
                        "messageId": "m",
                        "status": {"groupName": "DELIVERED"},
                        "error": {"id": 1, "name": "x"},
                    }
                ]
            },
        ),
    ],
    "whatsapp_cloud": [
        ("inbound", "json", whatsapp("messages")),
        ("status", "json", whatsapp("statuses", errors=[{"code": 1, "title": "x"}])),
    ],
    "cm": [
        (
            "status",
            "json",
            {
                "messages": {
                    "msg": [{"reference": "r", "status": {"code": "2", "errorDescription": ""}}]
                }
            },
        ),
        (
            "inbound",
            "json",
            {"reference": "r", "from": {"number": "1"}, "to": "2", "message": {"text": "hi"}},
        ),
    ],
    "dinstar": [
        (
            "inbound",
            "json",
            {"sn": "g", "sms": [{"incoming_sms_id": 1, "number": "1", "port": 2, "text": "x"}]},
        ),
        ("status", "json", {"sn": "g", "sms_result": [{"user_id": 2, "status": "SENT_OK"}]}),
    ],
    "urlapi": [
        ("inbound", "form", {"from": "1", "to": "2", "text": "x", "id": "9"}),
        ("inbound", "json", {"from": "1", "to": "2", "text": "x", "id": "9"}),
        ("status", "form", {"id": "9", "status": "delivered", "error": ""}),
    ],
}
SAMPLES["presets"] = SAMPLES["urlapi"]  # fmt: skip
SAMPLES["sandbox"] = SAMPLES["urlapi"]  # the Sandbox takes the generic format

texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "-1", "0", "1", "2", "255", "256", "1e999", "true", "abc", "99" * 12]),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), texts
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=5), inner, max_size=4),
    ),
    max_leaves=12,
)


def leaves(value: Any, trail: tuple = ()) -> list[tuple]:
    """Paths to every value inside ``value`` (containers included)."""
    found = [trail]
    if isinstance(value, dict):
        for key, item in value.items():
            found += leaves(item, (*trail, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += leaves(item, (*trail, i))
    return found


def replaced(value: Any, trail: tuple, new: Any) -> Any:
    if not trail:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in trail[:-1]:
        target = target[step]
    target[trail[-1]] = new
    return copy


def bodies(api_type: str) -> st.SearchStrategy:
    """Mostly one value of a valid sample replaced (by anything, or deleted for forms); some
    bodies built from scratch; a few raw bytes."""
    samples = SAMPLES[registry()[api_type].__module__.rsplit(".", 1)[1]]

    @st.composite
    def mutated(draw: Any) -> tuple[str, str, Any]:
        kind, shape, body = draw(st.sampled_from(samples))
        if shape == "form":
            key = draw(st.sampled_from([*body, *NAMES]))
            value = draw(st.none() | texts)
            body = {k: v for k, v in body.items() if k != key}
            return kind, shape, body if value is None else {**body, key: value}
        trail = draw(st.sampled_from(leaves(body)))
        return kind, shape, replaced(body, trail, draw(json_values))

    kinds = st.sampled_from(["inbound", "status"])
    forms = st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=5), texts, max_size=8)
    return st.one_of(
        mutated(),
        mutated(),
        mutated(),
        st.tuples(kinds, st.just("form"), forms),
        st.tuples(kinds, st.just("json"), json_values),
        st.tuples(kinds, st.just("raw"), st.binary(max_size=40)),
        st.tuples(kinds, st.just("raw form"), st.binary(max_size=40)),
    )


def post(provider: Any, kind: str, shape: str, body: Any) -> Any:
    url = path(provider, kind)
    headers = {}
    if shape == "form":
        body = {str(k): str(v) for k, v in body.items()}
        if provider.api_type.startswith("Twilio"):
            signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, body)
            headers["X-Twilio-Signature"] = signature
        data, content_type = urlencode(body).encode(), FORM
    elif shape == "json":
        data, content_type = json.dumps(body).encode(), "application/json"
    else:
        data, content_type = body, FORM if shape == "raw form" else "application/json"
    return Client().generic("POST", url, data, content_type=content_type, headers=headers)


@pytest.mark.parametrize("api_type", sorted(registry()))
def test_random_bodies_never_answer_500(api_type):
    provider = make(api_type)

    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(call=bodies(api_type))
    def check(call: tuple[str, str, Any]) -> None:
        response = post(provider, *call)  # an exception in the view fails here
        assert response.status_code in (200, 400, 403), (response.status_code, call)

    check()
