"""The customer simulator: a message typed there is stored as the sandbox's webhook would store
it and routed like any other; bad input is refused naming the field, nothing stored; only
admins and supervisors open it, supervisors only for their groups' campaigns on a sandbox."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import SecurityGroup
from campaigns.models import Campaign
from conversations.models import Interaction, Message
from conversations.routing import route_message
from conversations.states import Author, Direction, InteractionState, Routing
from simulator.demo import create_demo_campaign
from simulator.selectors import sandbox_campaigns
from simulator.services import send_as_customer
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user
from tests.conversations.factories import member
from tests.simulator.helpers import sandbox_campaign, sandbox_provider

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, data: dict):
    return client.post("/simulator/messages", json.dumps(data), content_type="application/json")


def test_a_message_is_stored_as_the_webhook_stores_it_and_routed(supervisor, agent):
    campaign = sandbox_campaign(supervisor, did="5000")
    member(campaign, agent)
    message = send_as_customer(campaign=campaign, number="099 123 456", text="Hello")
    assert (message.direction, message.author, message.routing) == (
        Direction.IN,
        Author.CUSTOMER,
        Routing.PENDING,
    )
    assert (message.number, message.did, message.provider_id) == (
        "+59899123456",
        "5000",
        campaign.provider_id,
    )
    assert message.provider_message_id.startswith("sim-")
    route_message(message.pk)
    interaction = Interaction.objects.get(campaign=campaign, number="+59899123456")
    assert (interaction.state, interaction.agent_id) == (InteractionState.ASSIGNED, agent.pk)


def test_without_a_free_member_it_waits_in_the_queue(supervisor):
    campaign = sandbox_campaign(supervisor, did="5000")
    message = send_as_customer(campaign=campaign, number="+59899123456", text="Anyone?")
    route_message(message.pk)
    assert Interaction.objects.get().state == InteractionState.QUEUED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"number": "12", "text": "Hi"}, "number"),
        ({"number": "not a number", "text": "Hi"}, "number"),
        ({"number": "", "text": "Hi"}, "number"),
        ({"number": "+59899123456", "text": "   "}, "text"),
        ({"number": "+59899123456", "text": "x" * 1601}, "text"),
        ({"number": "+59899123456", "text": "bad \x00 char"}, "text"),
        ({"number": "+59899123456", "text": 5}, "text"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(supervisor, data, field):
    campaign = sandbox_campaign(supervisor, did="5000")
    response = post(client_for(supervisor), {"campaign": campaign.pk, **data})
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == [field], errors
    assert errors[field]
    assert not Message.objects.exists()


def test_the_page_json_names_a_bad_number_in_plain_words(supervisor):
    campaign = sandbox_campaign(supervisor, did="5000")
    response = client_for(supervisor).get(
        "/simulator/conversation", {"campaign": campaign.pk, "number": "abc"}
    )
    assert response.status_code == 400
    assert "“abc” is not a valid phone number" in response.json()["errors"]["number"]


def test_a_campaign_its_messages_would_not_reach_is_refused(supervisor):
    provider = sandbox_provider()
    sandbox_campaign(supervisor, provider, name="First", did="")
    second = sandbox_campaign(supervisor, provider, name="Second", did="")
    response = post(
        client_for(supervisor), {"campaign": second.pk, "number": "+59899123456", "text": "x"}
    )
    assert response.status_code == 400
    assert "DID" in response.json()["errors"]["campaign"]
    assert not Message.objects.exists()


def test_the_conversation_shows_messages_replies_and_state(supervisor, agent):
    campaign = sandbox_campaign(supervisor, did="5000")
    member(campaign, agent)
    client = client_for(supervisor)
    sent = post(client, {"campaign": campaign.pk, "number": "099123456", "text": "<b>Hi</b>"})
    assert sent.status_code == 201, sent.content
    assert sent.json()["number"] == "+59899123456"
    route_message(sent.json()["message"]["id"])
    from conversations.replies import reply

    interaction = Interaction.objects.get()
    reply(interaction_id=interaction.pk, agent=agent, text="Hello!")
    body = client.get(
        "/simulator/conversation", {"campaign": campaign.pk, "number": "+598 99 123 456"}
    ).json()
    assert body["number"] == "+59899123456"
    assert body["interaction"]["state"] == "assigned"
    assert body["interaction"]["agent"] == agent.get_full_name() or agent.username
    rows = [(m["author"], m["text"], m["delivery"]) for m in body["messages"]]
    assert rows == [("customer", "<b>Hi</b>", ""), ("agent", "Hello!", "queued")]


def test_roles_and_groups(supervisor, other_supervisor, agent, admin):
    mine = sandbox_campaign(supervisor, did="5000")
    theirs = sandbox_campaign(other_supervisor, name="Theirs", did="6000")
    not_sandbox = make_campaign(supervisor, name="Real", did="7000")
    assert list(sandbox_campaigns(supervisor)) == [mine]
    assert set(sandbox_campaigns(admin)) == {mine, theirs}
    assert not_sandbox not in sandbox_campaigns(admin)

    sam = client_for(supervisor)
    page = sam.get("/simulator/")
    assert page.status_code == 200
    assert "Theirs" not in page.content.decode()
    for other in (theirs, not_sandbox):
        query = {"campaign": other.pk, "number": "+59899123456"}
        assert sam.get("/simulator/conversation", query).status_code == 404
        assert post(sam, {**query, "text": "x"}).status_code == 404
    assert sam.get("/simulator/conversation", {"campaign": "abc", "number": "1"}).status_code == 404

    alex = client_for(agent)
    assert alex.get("/simulator/").status_code == 403
    query = {"campaign": mine.pk, "number": "+59899123456"}
    assert alex.get("/simulator/conversation", query).status_code == 403
    assert post(alex, {**query, "text": "x"}).status_code == 403
    assert Client().get("/simulator/").status_code == 302  # to the sign-in page
    assert not Message.objects.exists()


def test_posting_needs_the_csrf_token(supervisor):
    campaign = sandbox_campaign(supervisor, did="5000")
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    response = post(client, {"campaign": campaign.pk, "number": "+59899123456", "text": "x"})
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_the_menu_offers_the_simulator_to_admins_and_supervisors_only(supervisor, agent, admin):
    assert 'href="/simulator/"' in client_for(admin).get("/").content.decode()
    assert 'href="/simulator/"' in client_for(supervisor).get("/").content.decode()
    assert 'href="/simulator/"' not in client_for(agent).get("/").content.decode()


def test_demo_campaign_is_made_once_for_the_demo_users():
    from accounts.services import create_demo_users

    create_demo_users()
    made = create_demo_campaign()
    assert len(made) == 4, made
    campaign = Campaign.objects.get(name="Demo")
    assert campaign.provider.api_type == "Sandbox"
    assert campaign.security_group == SecurityGroup.objects.get(name="Demo")
    assert sorted(campaign.members.values_list("agent__username", flat=True)) == [
        "agent1",
        "agent2",
    ]
    assert campaign.preset_responses.count() == 3
    from django.utils import timezone

    from campaigns.selectors import campaign_is_open

    assert campaign_is_open(campaign, timezone.now())
    assert campaign.schedules.count() == 1
    from accounts.models import User

    assert list(sandbox_campaigns(User.objects.get(username="supervisor"))) == [campaign]
    assert create_demo_campaign() == []  # a second run makes nothing
    assert Campaign.objects.count() == 1


def test_a_2000_character_message_fits_no_further(supervisor):
    campaign = sandbox_campaign(supervisor, did="5000")
    user = make_user("boss", "admin")
    response = post(
        client_for(user), {"campaign": campaign.pk, "number": "+59899123456", "text": "y" * 1600}
    )
    assert response.status_code == 201
