"""What the inbox page reads and writes beyond the interactions API: the agent's list (open
first, then recent closed, with previews, search, scope, query count), the customer's previous
interactions (who may read which), and a reply's idempotency key (sent twice, stored once)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.closing import close_interaction
from conversations.models import Interaction, Message
from conversations.routing import route_message
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user
from tests.conversations.api_helpers import (  # noqa: F401  (world is a fixture)
    customer_writes,
    token_client,
    world,
)
from tests.conversations.factories import inbound, member
from tests.conversations.outbound_setup import provider_on

pytestmark = pytest.mark.django_db(transaction=True)

INBOX = "/api/v1/interactions/inbox/"


@pytest.fixture(autouse=True)
def _no_worker(private_redis):
    """Replies are stored, not sent, here (no worker on this Redis)."""


def test_the_list_shows_open_ones_first_with_previews_and_only_the_agents_own(
    client,
    world,  # noqa: F811
) -> None:
    call = token_client(client, world.holder)
    customer_writes("099111000", "second customer")  # the holder gets it (fewest interactions)
    closed = Interaction.objects.get(number="+59899111000")
    assert closed.agent == world.holder
    close_interaction(interaction_id=closed.pk, by=world.holder)
    customer_writes("099123456", "and again")  # the open one is the most recent now

    rows = call("get", INBOX).json()
    assert [(r["number"], r["state"]) for r in rows] == [
        ("+59899123456", "assigned"),
        ("+59899111000", "closed"),
    ]
    first = rows[0]
    assert first["preview"] == "and again"
    assert first["preview_author"] == "customer"
    assert first["campaign_name"] == world.campaign.name
    assert first["unread"] == 2
    assert first["composer_closed"] == ""
    assert first["window_closes_at"] is None  # SMS: no window
    assert rows[1]["composer_closed"] == "This interaction is closed."
    # The other agent's interaction is never in it.
    assert "+59899654321" not in [r["number"] for r in rows]
    assert [r["number"] for r in token_client(client, world.other_agent)("get", INBOX).json()] == [
        "+59899654321"
    ]


def test_a_whatsapp_row_says_when_its_window_closes_and_why_it_is_closed(
    client, supervisor, agent
) -> None:
    whatsapp = provider_on(
        SimpleNamespace(url="http://127.0.0.1:9"), "TwilioWhatsApp"
    )  # sends nothing
    campaign = make_campaign(supervisor, name="WA", provider=whatsapp, did="5550002222")
    member(campaign, agent)
    route_message(inbound(whatsapp, "099777888", "hola", did="5550002222").pk)
    interaction = Interaction.objects.get(number="+59899777888", agent=agent)
    call = token_client(client, agent)

    (entry,) = call("get", INBOX).json()
    end = interaction.last_customer_at + dt.timedelta(hours=settings.WHATSAPP_WINDOW_HOURS)
    assert dt.datetime.fromisoformat(entry["window_closes_at"]) == end
    assert entry["composer_closed"] == ""

    Interaction.objects.filter(pk=interaction.pk).update(
        last_customer_at=timezone.now() - dt.timedelta(hours=25)
    )
    (entry,) = call("get", INBOX).json()
    assert dt.datetime.fromisoformat(entry["window_closes_at"]) < timezone.now()
    assert entry["composer_closed"] == (
        "The customer last wrote more than 24 hours ago: WhatsApp allows free text only within "
        "that window."
    )


def test_the_list_is_searched_by_campaign_name_or_number(client, world) -> None:  # noqa: F811
    call = token_client(client, world.holder)
    assert [r["number"] for r in call("get", INBOX, q="099 123 456").json()] == ["+59899123456"]
    assert [r["number"] for r in call("get", INBOX, q=world.campaign.name[:3]).json()] == [
        "+59899123456"
    ]
    assert call("get", INBOX, q="no such campaign").json() == []


def test_only_agents_have_an_inbox(client, world) -> None:  # noqa: F811
    for user in (world.admin, world.supervisor):
        assert token_client(client, user)("get", INBOX).status_code == 403


def test_the_list_costs_the_same_queries_for_3_or_30_interactions(
    client,
    world,  # noqa: F811
) -> None:
    call = token_client(client, world.holder)
    call("get", INBOX)  # warm the token's user lookups

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert call("get", INBOX).status_code == 200
        return len(captured)

    few = queries()
    for i in range(12):
        customer_writes(f"09920{i:04d}", f"hi {i}")
    assert Interaction.objects.filter(agent=world.holder).count() >= 5
    assert queries() == few


def test_a_reply_sent_twice_with_its_key_is_stored_once(client, world) -> None:  # noqa: F811
    call = token_client(client, world.holder)
    path = f"/api/v1/interactions/{world.interaction.pk}/reply"
    body = {"text": "Only once, please", "key": "0b7c2f3e-key-0001"}
    first = call("post", path, body)
    again = call("post", path, body)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["key"] == "0b7c2f3e-key-0001"
    assert Message.objects.filter(text="Only once, please").count() == 1
    # Another key is another message; a malformed key is a 400 naming the field.
    assert call("post", path, {**body, "key": "0b7c2f3e-key-0002"}).status_code == 201
    bad = call("post", path, {**body, "key": "<script>"})
    assert bad.status_code == 400 and "key" in bad.json()
    assert Message.objects.filter(text="Only once, please").count() == 2


def test_previous_interactions_are_the_customers_closed_ones_the_user_may_read(
    client,
    world,  # noqa: F811
    supervisor,
    other_supervisor,
    group,
) -> None:
    """An agent reads the customer's closed interactions in their campaigns, whoever held them;
    never open ones, never another campaign's they are not a member of."""
    holder, other = world.holder, world.other_agent
    close_interaction(interaction_id=world.interaction.pk, by=holder)
    customer_writes("099123456", "back again")  # a new interaction with the same customer
    current = (
        Interaction.objects.filter(number="+59899123456").exclude(pk=world.interaction.pk).get()
    )
    # A campaign the agents are not members of, with the same customer, closed.
    elsewhere = make_campaign(supervisor, name="Elsewhere", did="9999")
    stranger = member(elsewhere, make_user("zoe", "agent", [group]))
    assert stranger
    route_message(inbound(elsewhere.provider, "099123456", "other campaign", did="9999").pk)
    hidden = Interaction.objects.get(campaign=elsewhere)
    close_interaction(interaction_id=hidden.pk, by=hidden.agent)

    def history(user, interaction) -> list[int]:
        response = token_client(client, user)(
            "get", f"/api/v1/interactions/{interaction.pk}/history/"
        )
        assert response.status_code == 200, response.content
        return [h["id"] for h in response.json()]

    holder_now = current.agent
    assert history(holder_now, current) == [world.interaction.pk]
    assert history(supervisor, current) == [hidden.pk, world.interaction.pk]
    # Its messages, read only, through the current interaction; anything else is 404.
    call = token_client(client, holder_now)
    base = f"/api/v1/interactions/{current.pk}/history"
    texts = [
        m["text"] for m in call("get", f"{base}/{world.interaction.pk}/messages/").json()["results"]
    ]
    assert texts == ["hello"]
    assert call("get", f"{base}/{hidden.pk}/messages/").status_code == 404
    assert call("get", f"{base}/{current.pk}/messages/").status_code == 404
    # Someone who may not see the current interaction gets 404 for its history.
    not_holder = other if holder_now == holder else holder
    assert token_client(client, not_holder)("get", f"{base}/").status_code == 404
    assert token_client(client, other_supervisor)("get", f"{base}/").status_code == 404


def test_an_admin_opening_the_inbox_is_told_whose_it_is(client, admin) -> None:
    client.force_login(admin)
    html = client.get("/inbox/").content.decode()
    assert "The inbox belongs to agents" in html
    assert 'id="composer-text"' not in html
