"""Who may do what through the interactions API (SPEC §1): each endpoint with the five users:
admin, the campaign's supervisor, another group's supervisor, the agent holding the
interaction, another agent. What a user may not see is a 404, what their role may not do a 403,
what they see but may not change now a 409."""

from __future__ import annotations

import pytest

from agents.models import BreakType
from conversations.models import Interaction, Message
from conversations.states import CloseReason, Delivery, InteractionState
from tests.conversations.api_helpers import token_client, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_worker(private_redis):
    """Replies are stored, not sent, here: a private Redis keeps the suite's worker (started by
    other tests) from sending them meanwhile."""


USERS = ["admin", "supervisor", "other_supervisor", "holder", "other_agent"]
# Break type icons are names of the vendored Bootstrap Icons set: one per user who tries.
ICONS = dict(zip(USERS, ["alarm", "bell", "book", "brush", "bug"], strict=True))


def calls(client, world):  # noqa: F811
    return {name: token_client(client, user) for name, user in world.users().items()}


def test_the_list_shows_each_user_what_they_may_see(client, world):  # noqa: F811
    mine = world.interaction
    theirs = Interaction.objects.get(agent=world.other_agent)
    expected = {
        "admin": {mine.pk, theirs.pk},
        "supervisor": {mine.pk, theirs.pk},
        "other_supervisor": set(),
        "holder": {mine.pk},
        "other_agent": {theirs.pk},
    }
    for name, call in calls(client, world).items():
        response = call("get", "/api/v1/interactions/")
        assert response.status_code == 200, (name, response.content)
        assert {i["id"] for i in response.json()["results"]} == expected[name], name


@pytest.mark.parametrize("suffix", ["", "messages/"])
def test_reading_one_interaction(client, world, suffix):  # noqa: F811
    expected = {
        "admin": 200,
        "supervisor": 200,
        "other_supervisor": 404,
        "holder": 200,
        "other_agent": 404,
    }
    path = f"/api/v1/interactions/{world.interaction.pk}/{suffix}"
    for name, call in calls(client, world).items():
        response = call("get", path)
        assert response.status_code == expected[name], (name, response.content)
        if response.status_code == 404:
            assert "+59899123456" not in response.content.decode()


def test_reply_and_read(client, world):  # noqa: F811
    expected = {
        "admin": 409,
        "supervisor": 409,
        "other_supervisor": 404,
        "other_agent": 404,
        "holder": 201,
    }
    path = f"/api/v1/interactions/{world.interaction.pk}/"
    every = calls(client, world)
    for name in USERS:
        response = every[name]("post", path + "reply", {"text": f"from {name}"})
        assert response.status_code == expected[name], (name, response.content)
        if response.status_code == 409:
            assert response.json() == {"detail": "This interaction is not assigned to you."}
    assert list(Message.objects.filter(direction="out").values_list("text", flat=True)) == [
        "from holder"
    ]
    expected["holder"] = 200
    for name in USERS:
        response = every[name]("post", path + "read")
        assert response.status_code == expected[name], (name, response.content)


@pytest.mark.parametrize(
    ("who", "status", "reason"),
    [
        ("holder", 200, CloseReason.AGENT),
        ("admin", 200, CloseReason.SUPERVISOR),
        ("supervisor", 200, CloseReason.SUPERVISOR),
        ("other_supervisor", 404, None),
        ("other_agent", 404, None),
    ],
)
def test_close(client, world, who, status, reason):  # noqa: F811
    call = calls(client, world)[who]
    response = call("post", f"/api/v1/interactions/{world.interaction.pk}/close")
    assert response.status_code == status, response.content
    world.interaction.refresh_from_db()
    if status == 200:
        assert response.json()["state"] == "closed"
        assert (world.interaction.close_reason, world.interaction.closed_by) == (
            reason,
            world.users()[who],
        )
        again = call("post", f"/api/v1/interactions/{world.interaction.pk}/close")
        assert again.status_code == 409
        assert again.json() == {"detail": "This interaction is already closed."}
    else:
        assert world.interaction.state == InteractionState.ASSIGNED


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("holder", 200),
        ("admin", 200),
        ("supervisor", 200),
        ("other_supervisor", 404),
        ("other_agent", 404),
    ],
)
def test_retry(client, world, who, status):  # noqa: F811
    every = calls(client, world)
    sent = every["holder"](
        "post", f"/api/v1/interactions/{world.interaction.pk}/reply", {"text": "hi"}
    )
    message_id = sent.json()["id"]
    # The provider refused it (what outbound.send_queued stores when a send fails for good).
    Message.objects.filter(pk=message_id).update(
        delivery=Delivery.FAILED, report_status="rejected", error="refused"
    )
    response = every[who]("post", f"/api/v1/messages/{message_id}/retry")
    assert response.status_code == status, response.content
    shown = Message.objects.get(pk=message_id).delivery
    if status == 200:
        assert response.json()["delivery"] == "queued" and shown == Delivery.QUEUED
        again = every[who]("post", f"/api/v1/messages/{message_id}/retry")
        assert again.status_code == 409
        assert again.json() == {"detail": "Only a failed message can be sent again."}
    else:
        assert shown == Delivery.FAILED


def test_only_agents_start_interactions(client, world):  # noqa: F811
    body = {"campaign": world.campaign.pk, "number": "098 111 222", "text": "Hello"}
    expected = {
        "admin": 403,
        "supervisor": 403,
        "other_supervisor": 403,
        "holder": 201,
        "other_agent": 409,  # the holder's start opened the one interaction with that customer
    }
    for name, call in calls(client, world).items():
        response = call("post", "/api/v1/interactions/", body)
        assert response.status_code == expected[name], (name, response.content)
    started = Interaction.objects.get(number="+59898111222")
    assert (started.agent, started.state) == (world.holder, InteractionState.ASSIGNED)


def test_agent_state_is_agents_only_and_break_types_are_everyones(client, world):  # noqa: F811
    BreakType.objects.get_or_create(name="Lunch")
    for name, call in calls(client, world).items():
        agent = name in ("holder", "other_agent")
        assert call("get", "/api/v1/agents/me/state").status_code == (200 if agent else 403)
        posted = call("post", "/api/v1/agents/me/state", {"state": "free"})
        assert posted.status_code == (200 if agent else 403), name
        listed = call("get", "/api/v1/break-types/")
        assert listed.status_code == 200
        assert "Lunch" in [b["name"] for b in listed.json()["results"]]


def test_messages_outside_interactions_are_admins_only(client, world):  # noqa: F811
    for name, call in calls(client, world).items():
        response = call("get", "/api/v1/messages/")
        assert response.status_code == (200 if name == "admin" else 403), name


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/interactions/"),
        ("get", "/api/v1/interactions/1/"),
        ("get", "/api/v1/interactions/1/messages/"),
        ("post", "/api/v1/interactions/1/reply"),
        ("post", "/api/v1/messages/1/retry"),
        ("get", "/api/v1/agents/me/state"),
        ("get", "/api/v1/break-types/"),
        ("get", "/api/v1/messages/"),
    ],
)
def test_no_token_is_401(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 401


def test_only_admins_edit_break_types(client, world):  # noqa: F811
    lunch, _ = BreakType.objects.get_or_create(name="Lunch")
    for name, call in calls(client, world).items():
        status = 201 if name == "admin" else 403
        created = call("post", "/api/v1/break-types/", {"name": f"Nap {name}"})
        assert created.status_code == status, (name, created.content)
        changed = call("patch", f"/api/v1/break-types/{lunch.pk}/", {"icon": ICONS[name]})
        assert changed.status_code == (200 if name == "admin" else 403), name
        assert call("get", f"/api/v1/break-types/{lunch.pk}/").status_code == 200
    assert list(
        BreakType.objects.filter(name__startswith="Nap").values_list("name", flat=True)
    ) == ["Nap admin"]
    assert BreakType.objects.get(pk=lunch.pk).icon == ICONS["admin"]
    for name, call in calls(client, world).items():
        if name != "admin":
            assert call("delete", f"/api/v1/break-types/{lunch.pk}/").status_code == 403
    assert BreakType.objects.filter(pk=lunch.pk).exists()
