"""SendSMS's rules live in a service (``dialer.sendsms_service``), callable without HTTP: the
view only parses the request and calls it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from campaigns.services import add_members
from dialer.models import SpoolRow
from dialer.sendsms_service import queue_sendsms
from tests.campaigns.factories import make_campaign
from tests.dialer.factories import dialer_for, gateway

pytestmark = pytest.mark.django_db


def test_the_service_checks_route_number_and_agent_and_queues(supervisor, agent):
    campaign = make_campaign(supervisor, name="campsms", did="")
    fields = {"message": "hi", "campaign": "campsms", "api": ""}
    with pytest.raises(ValidationError) as caught:
        queue_sendsms(user=supervisor, destination="12ab", agent="ghost", **fields)
    assert set(caught.value.message_dict) == {"destination", "agent"}
    with pytest.raises(ValidationError) as caught:
        queue_sendsms(user=supervisor, destination="099123456", agent="", **{
            **fields, "campaign": "nope"})  # fmt: skip
    assert set(caught.value.message_dict) == {"campaign"}
    assert not SpoolRow.objects.exists()  # nothing stored for a refused message
    add_members(user=supervisor, campaigns=[campaign], agents=[agent])
    row = queue_sendsms(
        user=supervisor, destination="(099) 123-456", agent=agent.username, **fields
    )
    assert (row.campaign, row.destination, row.data) == (
        campaign,
        "099123456",
        f"agent={agent.username}",
    )


def test_a_destination_outside_the_providers_number_format_is_refused(supervisor):
    dialer = dialer_for(
        supervisor, gateway("http://127.0.0.1:9", number_regexp=r"^09\d{7}$"),
        campaign=make_campaign(supervisor, name="campsms", did=""),
    )  # fmt: skip
    fields = {"message": "hi", "campaign": "campsms", "api": "", "agent": ""}
    with pytest.raises(ValidationError) as caught:
        queue_sendsms(user=supervisor, destination="+59899123456", **fields)
    assert caught.value.message_dict == {
        "destination": ["+59899123456 does not match the provider's number format."]
    }
    assert not SpoolRow.objects.exists()
    row = queue_sendsms(user=supervisor, destination="099123456", **fields)
    assert (row.campaign, row.destination) == (dialer.campaign, "099123456")
