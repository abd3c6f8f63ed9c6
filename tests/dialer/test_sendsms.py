"""SendSMS: the legacy GET's fields (campaign, agent, api naming a provider) and bad input."""

from __future__ import annotations

import json

import pytest

from accounts.models import User
from accounts.tokens import create_api_token
from campaigns.models import CampaignMember
from dialer.models import Dialer, SpoolRow
from dialer.sending import send_for
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user
from tests.dialer.factories import dialer_for, gateway
from tests.fakeprovider import FakeProviderServer

URL = "/Integra/resources/SMS/SendSMS"


@pytest.fixture
def token(supervisor):
    return create_api_token(user=supervisor, name="crm")[1]


@pytest.fixture
def campsms(supervisor):
    return make_campaign(supervisor, name="campsms", did="")


def campaign(name):
    return make_campaign(User.objects.get(username="sam"), name=name, did="")


def get(client, token, query):
    return client.get(f"{URL}/{query}", HTTP_AUTHORIZATION=f"Token {token}")


def post(client, token, body, json_body=False):
    if json_body:
        return client.post(
            URL,
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
    return client.post(URL, body, HTTP_AUTHORIZATION=f"Token {token}")


# ------------------------------------------------------------------ legacy GET fields
def test_legacy_get_takes_campaign_and_agent_beside_api(client, supervisor, token, campsms):
    make_campaign(supervisor, name="other", did="")
    agent = make_user("alex", "agent", list(supervisor.security_groups.all()))
    CampaignMember.objects.create(campaign=campsms, agent=agent)
    response = get(
        client, token, "destination=099123456&message=hola&campaign=campsms&agent=alex&api=dongle"
    )
    assert response.status_code == 200, response.json()
    row = SpoolRow.objects.get(pk=response.json()["id"])
    assert row.campaign == campsms and row.data == "agent=alex"


@pytest.mark.django_db(transaction=True)
def test_api_naming_a_provider_sends_through_it(client, supervisor, token):
    with FakeProviderServer() as dongle, FakeProviderServer() as other:
        through_dongle = dialer_for(
            supervisor, gateway(dongle.url, name="dongle"), campaign=campaign("a")
        )
        through_other = dialer_for(
            supervisor, gateway(other.url, name="other"), campaign=campaign("b")
        )
        response = get(client, token, "destination=099123456&message=hola&api=dongle")
        assert response.status_code == 200, response.json()
        row = SpoolRow.objects.get(pk=response.json()["id"])
        assert row.campaign_id == through_dongle.campaign_id
        Dialer.objects.update(running=True)
        send_for(through_dongle.pk, 10)
        send_for(through_other.pk, 10)
        assert [r.json()["to"] for r in dongle.requests] == ["099123456"]
        assert other.requests == []


def test_api_provider_and_a_campaign_sending_elsewhere_is_refused(client, supervisor, token):
    dialer_for(supervisor, gateway("http://127.0.0.1:9", name="dongle"), campaign=campaign("a"))
    elsewhere = dialer_for(
        supervisor, gateway("http://127.0.0.1:9", name="other"), campaign=campaign("b")
    )
    response = get(
        client,
        token,
        f"destination=099123456&message=hola&api=dongle&campaign={elsewhere.campaign.name}",
    )
    assert response.status_code == 400 and "does not send through" in response.json()["api"]
    assert not SpoolRow.objects.exists()


def test_api_provider_used_by_no_or_several_campaigns_asks_for_the_campaign(
    client, supervisor, token
):
    provider = gateway("http://127.0.0.1:9", name="dongle")
    response = get(client, token, "destination=099123456&message=hola&api=dongle")
    assert response.status_code == 400 and "No campaign" in response.json()["campaign"]
    dialer_for(supervisor, provider, campaign=campaign("a"))
    dialer_for(supervisor, provider, campaign=campaign("b"))
    response = get(client, token, "destination=099123456&message=hola&api=dongle")
    assert response.status_code == 400 and "Several" in response.json()["campaign"]
    assert not SpoolRow.objects.exists()


def test_api_naming_a_campaign_still_works_and_other_names_are_ignored(client, token, campsms):
    old_client = get(client, token, "destination=099123456&message=hola&api=campsms")
    assert old_client.status_code == 200, old_client.json()
    ignored = get(client, token, "destination=099123456&message=hola&api=gsm1&campaign=campsms")
    assert ignored.status_code == 200, ignored.json()
    assert SpoolRow.objects.filter(campaign=campsms).count() == 2


def test_agent_must_be_a_member_and_strangers_get_the_same_answer(
    client, supervisor, token, campsms
):
    make_user("alex", "agent", list(supervisor.security_groups.all()))  # not a member
    foreign = get(client, token, "destination=099123456&message=hi&campaign=campsms&agent=alex")
    unknown = get(client, token, "destination=099123456&message=hi&campaign=campsms&agent=ghost")
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json()["agent"].replace("alex", "X") == unknown.json()["agent"].replace(
        "ghost", "X"
    )


# ------------------------------------------------------------------ malformed requests
def test_a_list_as_destination_is_a_400_naming_the_field(client, token, campsms):
    response = post(
        client,
        token,
        {"destination": ["099123456", "099123457"], "message": "hi", "campaign": "campsms"},
        json_body=True,
    )
    assert response.status_code == 400 and "destination" in response.json()
    assert post(client, token, ["x"], json_body=True).status_code == 400
    assert not SpoolRow.objects.exists()


def test_get_without_a_suffix_names_the_missing_fields(client, token, campsms):
    response = client.get(URL, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 400
    assert {"destination", "message", "campaign"} <= set(response.json())
    response = client.get(
        URL + "?destination=099123456&message=hi&campaign=campsms",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200, response.json()


def test_post_to_the_legacy_path_is_not_a_500(client, token, campsms):
    response = client.post(f"{URL}/x=1", {}, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 405
    assert not SpoolRow.objects.exists()


def test_head_never_queues_a_message(client, token, campsms):
    fields = "destination=099123456&message=hi&campaign=campsms"
    assert client.head(f"{URL}/{fields}", HTTP_AUTHORIZATION=f"Token {token}").status_code == 405
    assert client.head(f"{URL}?{fields}", HTTP_AUTHORIZATION=f"Token {token}").status_code == 405
    assert not SpoolRow.objects.exists()


# ------------------------------------------------------------------ text rules (SMS_MAX_LENGTH)
@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("x" * 100_000, "100000 characters long; at most 1600"),
        ("x" * 1601, "1601 characters long; at most 1600"),
        ("nul\x00here", "U+0000"),
        ("form\x0cfeed", "U+000C"),
        ("c1\x85", "U+0085"),
        ("esc\x1b", "U+001B"),
    ],
)
def test_sendsms_refuses_long_texts_and_control_characters(client, token, campsms, message, error):
    response = post(
        client, token, {"destination": "099123456", "message": message, "campaign": "campsms"}
    )
    assert response.status_code == 400 and error in response.json()["message"]
    assert not SpoolRow.objects.exists()


def test_sendsms_takes_the_longest_text_and_line_breaks(client, token, campsms, settings):
    for text in ("x" * 1600, "line one\r\nline two\nthree", "a\ttab"):
        response = post(
            client, token, {"destination": "099123456", "message": text, "campaign": "campsms"}
        )
        assert response.status_code == 200, response.json()
    settings.SMS_MAX_LENGTH = 10
    response = post(
        client, token, {"destination": "099123456", "message": "x" * 11, "campaign": "campsms"}
    )
    assert response.status_code == 400 and "at most 10" in response.json()["message"]


def test_the_providers_own_limit_applies(client, supervisor, token):
    cm = gateway("http://127.0.0.1:9", name="cm")
    cm.api_type, cm.settings = "CMG", {"max_parts": 2}
    cm.save(update_fields=["api_type", "settings"])
    dialer = dialer_for(supervisor, cm)
    fields = {"destination": "099123456", "campaign": dialer.campaign.name}
    assert post(client, token, {**fields, "message": "x" * 306}).status_code == 200
    response = post(client, token, {**fields, "message": "x" * 307})
    assert response.status_code == 400 and "at most 2 parts" in response.json()["message"]
