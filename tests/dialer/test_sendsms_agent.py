"""SendSMS ``agent`` must be a member of the campaign; unknown agents and agents of other
campaigns get the same answer (issue 10.11)."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from accounts.tokens import create_api_token
from campaigns.services import add_members
from dialer.models import SpoolRow
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user


@pytest.fixture
def token(supervisor):
    return create_api_token(user=supervisor, name="crm")[1]


@pytest.fixture
def campaign(supervisor, agent):
    campaign = make_campaign(supervisor, name="campsms", did="")
    add_members(user=supervisor, campaigns=[campaign], agents=[agent])
    return campaign


def send(client, token, agent_name):
    return client.post(
        "/Integra/resources/SMS/SendSMS",
        {"destination": "099123456", "message": "hi", "campaign": "campsms", "agent": agent_name},
        HTTP_AUTHORIZATION=f"Token {token}",
    )


def test_a_member_agent_is_accepted(client, token, campaign, agent):
    response = send(client, token, agent.username)
    assert response.status_code == 200, response.json()
    assert SpoolRow.objects.get().data == f"agent={agent.username}"


def test_unknown_and_foreign_agents_get_the_same_answer(
    client, token, campaign, supervisor, other_supervisor, other_group, group
):
    elsewhere = make_campaign(other_supervisor, name="Collections", did="9")
    foreign = make_user("felix", Role.AGENT, [other_group])
    add_members(user=other_supervisor, campaigns=[elsewhere], agents=[foreign])
    make_user("nina", Role.AGENT, [group])  # same group, not in the campaign
    answers = {}
    for name in ("ghost", "felix", "nina", supervisor.username):
        response = send(client, token, name)
        assert response.status_code == 400
        answers[name] = response.json()
    for name, body in answers.items():
        assert body == {"agent": f"“{name}” is not an agent of this campaign."}
    assert not SpoolRow.objects.exists()
