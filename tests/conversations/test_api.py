"""The interactions API's behaviour: filters, cursor pages, catching up with ``after=``, the
400 and 409 bodies, the agent's state, unread counts, the messages no interaction holds, and
the number of queries a list costs."""

from __future__ import annotations

import datetime as dt

import pytest
from drf_spectacular.generators import SchemaGenerator

from agents.models import AgentStatus, BreakType
from conversations.models import Assignment, Interaction, Message
from conversations.states import Routing
from tests.campaigns.factories import make_campaign, provider
from tests.conversations.api_helpers import (  # noqa: F401  (world is a fixture)
    customer_writes,
    token_client,
    world,
)
from tests.conversations.factories import inbound

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_worker(private_redis):
    """Replies are stored, not sent, here: a private Redis keeps the suite's worker (started by
    other tests) from sending them meanwhile."""


LIST = "/api/v1/interactions/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_an_interaction_reads_with_the_issues_fields(client, world):  # noqa: F811
    data = token_client(client, world.holder)("get", f"{LIST}{world.interaction.pk}/").json()
    assert {k: data[k] for k in ("campaign", "provider", "number", "state", "agent", "unread")} == {
        "campaign": world.campaign.pk,
        "provider": world.interaction.provider_id,
        "number": "+59899123456",
        "state": "assigned",
        "agent": world.holder.pk,
        "unread": 1,
    }
    for stamp in ("opened_at", "queued_at", "assigned_at", "first_reply_at", "last_customer_at",
                  "last_activity_at", "closed_at", "closed_by", "close_reason", "seq"):  # fmt: skip
        assert stamp in data
    (message,) = token_client(client, world.holder)(
        "get", f"{LIST}{world.interaction.pk}/messages/"
    ).json()["results"]
    assert message == {
        "id": world.inbound.pk,
        "interaction": world.interaction.pk,
        "direction": "in",
        "author": "customer",
        "agent": None,
        "agent_name": "",
        "bot_kind": "",
        "text": "hello",
        "segments": 1,
        "delivery": None,
        "error": "",
        "created_at": message["created_at"],
        "seq": world.inbound.seq,
        "key": "",
    }


def test_filters(client, world):  # noqa: F811
    call = token_client(client, world.admin)
    mine, theirs = world.interaction, Interaction.objects.get(agent=world.other_agent)
    token_client(client, world.holder)("post", f"{LIST}{mine.pk}/close")
    assert ids(call("get", LIST, state="closed")) == [mine.pk]
    assert ids(call("get", LIST, state="assigned")) == [theirs.pk]
    assert ids(call("get", LIST, state="queued")) == []
    assert ids(call("get", LIST, agent=str(world.other_agent.pk))) == [theirs.pk]
    assert ids(call("get", LIST, campaign=str(world.campaign.pk))) == [theirs.pk, mine.pk]
    other = make_campaign(world.supervisor, name="Other", did="555")
    assert ids(call("get", LIST, campaign=str(other.pk))) == []
    for spelling in ("099123456", "+598 99 123 456", "59899123456", "+59899123456"):
        assert ids(call("get", LIST, number=spelling)) == [mine.pk], spelling
    Interaction.objects.filter(pk=mine.pk).update(opened_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    assert ids(call("get", LIST, opened_before="2026-01-06")) == [mine.pk]
    assert ids(call("get", LIST, opened_after="2026-01-06")) == [theirs.pk]
    assert ids(call("get", LIST, opened_after="2026-01-05", opened_before="2026-01-06")) == [
        mine.pk
    ]
    # A filter never widens what a user sees: the holder asking for the other agent's.
    holder = token_client(client, world.holder)
    assert ids(holder("get", LIST, agent=str(world.other_agent.pk))) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [("state", "unknown"), ("campaign", "1e23"), ("campaign", "abc"), ("agent", str(2**64)),
     ("opened_after", "2026-13-45"), ("opened_before", "yesterday"), ("cursor", "garbage"),
     ("limit", "0"), ("limit", "1e20")],
)  # fmt: skip
def test_bad_filters_are_400_naming_the_parameter(client, world, name, value):  # noqa: F811
    response = token_client(client, world.admin)("get", LIST, **{name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_cursor_pages_newest_first(client, world):  # noqa: F811
    for n in range(3):
        customer_writes(f"09900000{n}")
    call = token_client(client, world.admin)
    everyone = list(Interaction.objects.order_by("-id").values_list("pk", flat=True))
    assert len(everyone) == 5
    seen, page = [], call("get", LIST, limit="2")
    while True:
        seen += ids(page)
        following = page.json()["next"]
        if following is None:
            break
        page = client.get(following, HTTP_AUTHORIZATION=page.request["HTTP_AUTHORIZATION"])
    assert seen == everyone
    assert "count" not in page.json()  # no COUNT(*) over a million rows


def first_auth(call, path):
    """The Authorization header ``call`` sends (to follow a ``next`` link with it)."""
    return call("get", path).request["HTTP_AUTHORIZATION"]


def reply(call, interaction, text):
    response = call("post", f"{LIST}{interaction.pk}/reply", {"text": text})
    assert response.status_code == 201, response.content
    return response.json()


def test_messages_oldest_first_latest_page_and_catching_up(client, world):  # noqa: F811
    call = token_client(client, world.holder)
    path = f"{LIST}{world.interaction.pk}/messages/"
    for n in range(4):
        reply(call, world.interaction, f"reply {n}")
    texts = ["hello", "reply 0", "reply 1", "reply 2", "reply 3"]
    assert [m["text"] for m in call("get", path).json()["results"]] == texts
    first = call("get", path, limit="2").json()
    assert [m["text"] for m in first["results"]] == texts[:2]
    second = client.get(first["next"], HTTP_AUTHORIZATION=first_auth(call, path))
    assert [m["text"] for m in second.json()["results"]] == texts[2:4]
    latest = call("get", path, limit="2", latest="true").json()
    assert [m["text"] for m in latest["results"]] == texts[-2:]
    assert latest["previous"] is not None and latest["next"] is None

    # A client saw everything up to the last reply's event; a failed delivery changes an old
    # message and a new customer message arrives: after= gives both, in the order they happened.
    seen = max(m["seq"] for m in call("get", path).json()["results"])
    old = Message.objects.get(text="reply 0")
    from conversations import events  # the way outbound records a delivery change

    interaction = Interaction.objects.get(pk=world.interaction.pk)
    old.delivery, old.seq = "failed", events.next_seq(interaction)
    old.save(update_fields=["delivery", "seq"])
    customer_writes("099123456", "are you there?")
    caught = call("get", path, after=str(seen)).json()["results"]
    assert [(m["text"], m["delivery"]) for m in caught] == [
        ("reply 0", "failed"),
        ("are you there?", None),
    ]
    assert [m["seq"] for m in caught] == sorted(m["seq"] for m in caught)
    assert call("get", path, after=str(caught[-1]["seq"])).json()["results"] == []


@pytest.mark.parametrize(
    ("name", "value"), [("after", "-1"), ("after", "1e30"), ("latest", "maybe"), ("cursor", "x")]
)
def test_bad_message_parameters_are_400(client, world, name, value):  # noqa: F811
    response = token_client(client, world.holder)(
        "get", f"{LIST}{world.interaction.pk}/messages/", **{name: value}
    )
    assert response.status_code == 400 and name in response.json(), response.content


def test_the_sending_state_shows_as_queued(client, world):  # noqa: F811
    call = token_client(client, world.holder)
    sent = reply(call, world.interaction, "hi")
    Message.objects.filter(pk=sent["id"]).update(delivery="sending")
    shown = call("get", f"{LIST}{world.interaction.pk}/messages/").json()["results"][-1]
    assert (shown["id"], shown["delivery"]) == (sent["id"], "queued")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 5000}, "text"),
        ({}, "text"),
    ],
)
def test_reply_bad_text_is_400_naming_text(client, world, body, field):  # noqa: F811
    response = token_client(client, world.holder)(
        "post", f"{LIST}{world.interaction.pk}/reply", body
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert not Message.objects.filter(direction="out").exists()


def test_reply_to_a_closed_interaction_is_409(client, world):  # noqa: F811
    call = token_client(client, world.holder)
    assert call("post", f"{LIST}{world.interaction.pk}/close").status_code == 200
    response = call("post", f"{LIST}{world.interaction.pk}/reply", {"text": "late"})
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "This interaction is closed."},
    )
    # The closed one stays visible to the agent who held it last.
    assert ids(call("get", LIST)) == [world.interaction.pk]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"campaign": "OTHER", "number": "098111222", "text": "Hi"}, ["campaign"]),
        ({"campaign": "MINE", "number": "12", "text": "Hi"}, ["number"]),
        ({"campaign": "MINE", "number": "not a number", "text": ""}, ["number", "text"]),
        ({"campaign": "MINE", "number": "098111222", "text": "x" * 5000}, ["text"]),
        ({"campaign": 2**70, "number": "098111222", "text": "Hi"}, ["campaign"]),
        ({"number": "098111222", "text": "Hi"}, ["campaign"]),
    ],
)
def test_start_bad_input_is_400_naming_the_fields(client, world, body, fields):  # noqa: F811
    other = make_campaign(world.supervisor, name="Not mine", did="777")
    named = {"MINE": world.campaign.pk, "OTHER": other.pk}
    body = {
        **body,
        **({"campaign": named[body["campaign"]]} if body.get("campaign") in named else {}),
    }
    response = token_client(client, world.holder)("post", LIST, body)
    assert response.status_code == 400, response.content
    assert sorted(response.json()) == sorted(fields)
    assert not Interaction.objects.filter(number="+59898111222").exists()


def test_start_opens_an_interaction_held_by_the_agent(client, world):  # noqa: F811
    call = token_client(client, world.holder)
    body = {"campaign": world.campaign.pk, "number": "098 111 222", "text": "Hello"}
    response = call("post", LIST, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["number"], data["state"], data["agent"]) == (
        "+59898111222",
        "assigned",
        world.holder.pk,
    )
    (first,) = call("get", f"{LIST}{data['id']}/messages/").json()["results"]
    assert (first["text"], first["author"], first["delivery"]) == ("Hello", "agent", "queued")
    again = call("post", LIST, body)
    assert again.status_code == 409
    assert again.json() == {
        "detail": "This customer already has an open interaction in this campaign."
    }


def test_read_resets_the_unread_count(client, world):  # noqa: F811
    customer_writes("099123456", "again")
    call = token_client(client, world.holder)
    assert call("get", f"{LIST}{world.interaction.pk}/").json()["unread"] == 2
    response = call("post", f"{LIST}{world.interaction.pk}/read")
    assert response.status_code == 200 and response.json()["unread"] == 0
    assert Interaction.objects.get(pk=world.interaction.pk).unread == 0


STATE = "/api/v1/agents/me/state"


def test_agent_state_through_the_api(client, world):  # noqa: F811
    BreakType.objects.get_or_create(name="Lunch")
    call = token_client(client, world.holder)
    now = call("get", STATE).json()
    assert {k: now[k] for k in ("state", "break_type", "load")} == {
        "state": "busy",
        "break_type": "",
        "load": 1,
    }
    on_break = call("post", STATE, {"state": "busy_on_break", "break_type": "Lunch"}).json()
    assert (on_break["state"], on_break["break_type"]) == ("busy_on_break", "Lunch")
    # "free_on_break" asks for a break too; free or busy follows from the load.
    assert call("post", STATE, {"state": "free", "break_type": ""}).json()["state"] == "busy"
    gone = call("post", STATE, {"state": "disconnected"}).json()
    assert (gone["state"], gone["load"]) == ("disconnected", 0)
    # Requeued at once, and handed to the other member, who is present with a free slot.
    released = Assignment.objects.get(interaction=world.interaction, agent=world.holder)
    assert released.release_reason == "signed_out"
    assert Interaction.objects.get(pk=world.interaction.pk).agent == world.other_agent
    back = call("post", STATE, {"state": "free"}).json()
    assert (back["state"], back["load"]) == ("free", 0)


def test_every_post_is_a_sign_of_life(client, world):  # noqa: F811
    old = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    AgentStatus.objects.filter(agent=world.holder).update(last_seen_at=old)
    token_client(client, world.holder)("post", STATE, {"state": "free"})
    assert AgentStatus.objects.get(agent=world.holder).last_seen_at > old


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"state": "free_on_break"}, "break_type"),
        ({"state": "busy_on_break", "break_type": "Siesta"}, "break_type"),
        ({"state": "asleep"}, "state"),
        ({}, "state"),
    ],
)
def test_bad_agent_state_is_400_naming_the_field(client, world, body, field):  # noqa: F811
    BreakType.objects.get_or_create(name="Lunch")
    response = token_client(client, world.holder)("post", STATE, body)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert AgentStatus.objects.get(agent=world.holder).break_type == ""


def test_admins_list_messages_no_campaign_took(client, world):  # noqa: F811
    lost = inbound(provider(), "099777888", "anyone?", did="9999")
    from conversations.routing import route_message

    assert route_message(lost.pk) == Routing.UNROUTED
    waiting = inbound(provider(), "099777889", "me too", did="9999")  # not routed yet
    call = token_client(client, world.admin)
    rows = call("get", "/api/v1/messages/").json()["results"]
    assert [(r["id"], r["routing"], r["did"], r["number"]) for r in rows] == [
        (waiting.pk, "pending", "9999", "+59899777889"),
        (lost.pk, "unrouted", "9999", "+59899777888"),
    ]
    assert [
        r["id"] for r in call("get", "/api/v1/messages/", routing="unrouted").json()["results"]
    ] == [lost.pk]
    assert call("get", "/api/v1/messages/", routing="routed").status_code == 400


def test_list_query_counts(client, world, django_assert_max_num_queries):  # noqa: F811
    """The agent's list and an interaction's latest 50 messages: at most 5 queries each, however
    many rows (no query per row)."""
    call = token_client(client, world.holder)
    for n in range(15):
        body = {"campaign": world.campaign.pk, "number": f"09810{n:04d}", "text": "Hi"}
        assert call("post", LIST, body).status_code == 201
    for n in range(60):
        reply(call, world.interaction, f"reply {n}")
    assert Interaction.objects.filter(agent=world.holder).count() > 10
    with django_assert_max_num_queries(5):
        listed = call("get", LIST)
    assert len(listed.json()["results"]) > 10
    with django_assert_max_num_queries(5):
        latest = call("get", f"{LIST}{world.interaction.pk}/messages/", latest="true")
    assert [m["text"] for m in latest.json()["results"]][-1] == "reply 59"
    assert len(latest.json()["results"]) == 50


def test_the_schema_documents_the_new_endpoints():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in (
        "/api/v1/interactions/",
        "/api/v1/interactions/{id}/",
        "/api/v1/interactions/{id}/messages/",
        "/api/v1/interactions/{id}/reply/",
        "/api/v1/interactions/{id}/close/",
        "/api/v1/interactions/{id}/read/",
        "/api/v1/messages/",
        "/api/v1/messages/{id}/retry/",
        "/api/v1/agents/me/state/",
        "/api/v1/break-types/",
    ):
        assert path in paths, path
    assert "409" in paths["/api/v1/interactions/{id}/reply/"]["post"]["responses"]


def test_admins_edit_break_types(client, world):  # noqa: F811
    call = token_client(client, world.admin)
    BreakType.objects.all().delete()
    created = call(
        "post", "/api/v1/break-types/", {"name": " Gym ", "icon": "bicycle", "position": 5}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json() == {"id": pk, "name": "Gym", "icon": "bicycle", "position": 5}
    same = call("post", "/api/v1/break-types/", {"name": "Gym"})
    assert same.status_code == 400 and list(same.json()) == ["name"]
    blank = call("post", "/api/v1/break-types/", {"name": "  "})
    assert blank.status_code == 400 and list(blank.json()) == ["name"]
    renamed = call("patch", f"/api/v1/break-types/{pk}/", {"name": "Stretch"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Stretch"
    # An agent may now take that break, by its new name.
    agent = token_client(client, world.holder)
    taken = agent("post", STATE, {"state": "free_on_break", "break_type": "Stretch"})
    assert taken.status_code == 200 and taken.json()["break_type"] == "Stretch"
    assert call("delete", f"/api/v1/break-types/{pk}/").status_code == 204
    assert not BreakType.objects.exists()
    assert call("get", "/api/v1/break-types/abc/").status_code == 404


def test_a_date_whose_offset_postgresql_refuses_is_still_answered(client, world):  # noqa: F811
    """Schemathesis found it: an offset past ±15:59 was a database error (500)."""
    call = token_client(client, world.holder)
    response = call("get", LIST, opened_before="0777-04-09T19:43:56.32-18:04")
    assert response.status_code == 200, response.content
    assert call("get", LIST, opened_after="2026-01-01T00:00:00+14:00").status_code == 200
