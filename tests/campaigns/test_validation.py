"""One rule, three doors (issue 9.10): the same bad value gets the same message through the
campaign page's form, the API and the service."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from accounts.tokens import create_api_token
from campaigns.models import Campaign
from campaigns.services import save_campaign
from tests.campaigns.factories import campaign_values, make_campaign


def _page_data(values):
    data = {k: getattr(v, "pk", v) for k, v in values.items()}
    data.update({"presets-TOTAL_FORMS": "0", "presets-INITIAL_FORMS": "0"})
    if not data.get("enabled"):
        data.pop("enabled", None)
    return data


def _through_service(user, values, field):
    with pytest.raises(ValidationError) as caught:
        save_campaign(user=user, campaign=None, values=values)
    return caught.value.message_dict[field]


def _through_api(client, user, values, field):
    _token, key = create_api_token(user=user, name="t")
    body = {k: getattr(v, "pk", v) for k, v in values.items()}
    response = client.post("/api/v1/campaigns/", json.dumps(body),
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {key}")  # fmt: skip
    assert response.status_code == 400, response.content
    return response.json()[field]


def _through_form(client, user, values, field):
    client.force_login(user)
    response = client.post("/campaigns/", _page_data(values))
    assert response.status_code == 200
    return response.context["form"].errors[field]


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"name": "Sales", "did": "77"}, "name", "A campaign with this name exists already."),
        ({"name": "B", "did": "1234"}, "did",
         "DID “1234” is already used by another campaign on this provider."),
        ({"name": "B", "did": "", "threshold_abandon": -1}, "threshold_abandon",
         "Ensure this value is greater than or equal to 0."),
        ({"name": "B", "did": "", "service_level": 101}, "service_level",
         "Ensure this value is less than or equal to 100."),
        ({"name": "B", "did": "", "max_interactions_per_agent": 0}, "max_interactions_per_agent",
         "Ensure this value is greater than or equal to 1."),
    ],
)  # fmt: skip
def test_the_same_bad_value_gets_the_same_message_through_form_api_and_service(
    client, supervisor, extra, field, message
):
    make_campaign(supervisor)  # "Sales", DID 1234
    values = campaign_values(supervisor, **extra)
    by_service = _through_service(supervisor, values, field)
    by_api = _through_api(client, supervisor, values, field)
    by_form = _through_form(client, supervisor, values, field)
    assert by_service == by_api == by_form == [message]
    assert Campaign.objects.count() == 1


def test_a_good_campaign_saves_through_the_page(client, supervisor):
    client.force_login(supervisor)
    response = client.post("/campaigns/", _page_data(campaign_values(supervisor)))
    assert response.status_code == 302, response.context["form"].errors
    assert Campaign.objects.get().name == "Sales"
