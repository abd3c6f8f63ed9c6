"""GET /api/v1/recordings/: every filter alone and combined, number spellings, bad input naming
the field, role scoping, keyset pages and the estimated total."""

from __future__ import annotations

import pytest

from recordings.filters import parse_filters
from recordings.selectors import page_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/recordings/"


def ids(response) -> list[int]:  # noqa: ANN001
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_no_filter_lists_every_interaction_newest_first(as_admin, world) -> None:
    body = as_admin("get", URL).json()
    assert [r["id"] for r in body["results"]] == world.newest_first
    assert body["estimated_total"] >= 5
    first = body["results"][-1]
    assert first["number"] == "+59898123456"
    assert first["campaign"]["name"] == "Sales"
    assert [a["name"] for a in first["agents"]] == ["Alex"]
    assert first["messages"] == 4
    assert first["outcome"] == "answered"
    assert first["closed_by"] == "Alex"
    row2 = next(r for r in body["results"] if r["id"] == world.i2.pk)
    assert [a["name"] for a in row2["agents"]] == ["Alex", "Bea Ortiz"]  # requeued once
    assert row2["closed_by"] == "Sam"
    row4 = next(r for r in body["results"] if r["id"] == world.i4.pk)
    assert row4["outcome"] == "abandoned"
    row5 = next(r for r in body["results"] if r["id"] == world.i5.pk)
    assert row5["outcome"] == "outbound"
    assert [a["name"] for a in row5["agents"]] == ["Bea Ortiz"]  # SendSMS: kept, never assigned


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"start": "2026-03-05"}, ["i5", "i3", "i4", "i2"]),
        ({"end": "2026-03-05"}, ["i2", "i1"]),  # the end date is included whole
        ({"start": "2026-03-05T10:30:00Z"}, ["i5", "i3", "i4"]),
        ({"end": "2026-03-05T10:00:00Z"}, ["i1"]),  # a date-time end is exclusive
        ({"origin": "+59898123456"}, ["i3", "i1"]),
        ({"q": "refund"}, ["i2"]),
        ({"q": "invoice question"}, ["i1"]),  # every word, any order
        ({"q": "4471"}, ["i5"]),
        ({"q": "nothing-like-this"}, []),
    ],
)
def test_each_filter_alone(as_admin, world, query, expected) -> None:
    assert ids(as_admin("get", URL, **query)) == [getattr(world, name).pk for name in expected]


def test_campaign_and_agent_filters_alone_and_repeated(as_admin, world) -> None:
    assert ids(as_admin("get", f"{URL}?campaign={world.sales.pk}")) == [
        world.i5.pk, world.i3.pk, world.i1.pk]  # fmt: skip
    both = f"{URL}?campaign={world.sales.pk}&campaign={world.support.pk}"
    assert ids(as_admin("get", both)) == [world.i5.pk, world.i3.pk, world.i2.pk, world.i1.pk]
    assert ids(as_admin("get", f"{URL}?agent={world.alex.pk}")) == [world.i1.pk]
    assert ids(as_admin("get", f"{URL}?agent={world.bea.pk}")) == [world.i5.pk, world.i2.pk]
    assert ids(as_admin("get", f"{URL}?agent={world.alex.pk}&agent={world.bea.pk}")) == [
        world.i5.pk, world.i2.pk, world.i1.pk]  # fmt: skip


def test_the_manuals_filters_combined(as_admin, world) -> None:
    query = (
        f"{URL}?start=2026-03-01&end=2026-03-31&origin=098123456&campaign={world.sales.pk}"
        f"&agent={world.alex.pk}"
    )
    assert ids(as_admin("get", query)) == [world.i1.pk]
    assert ids(as_admin("get", query + "&q=invoice")) == [world.i1.pk]
    assert ids(as_admin("get", query + "&q=refund")) == []
    assert ids(as_admin("get", query.replace("2026-03-01", "2026-03-02"))) == []


@pytest.mark.parametrize("spelling", ["098123456", "098 123 456", "+598 98 123 456",
                                      "59898123456", "(098) 123-456", "+59898123456"])  # fmt: skip
def test_origin_in_any_spelling(as_admin, world, spelling) -> None:
    assert ids(as_admin("get", URL, origin=spelling)) == [world.i3.pk, world.i1.pk]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "end", "after the start"),
        ({"start": "yesterday"}, "start", "date"),
        ({"end": "2026-13-45"}, "end", "date"),
        ({"campaign": "999999"}, "campaign", "Unknown campaign: 999999"),
        ({"campaign": "abc"}, "campaign", "not a campaign id"),
        ({"agent": "999999"}, "agent", "Unknown agent: 999999"),
        ({"origin": "hello"}, "origin", "not a phone number"),
        ({"origin": "12"}, "origin", "not a phone number"),
        ({"q": "x" * 201}, "q", "at most 200"),
        ({"cursor": "garbage!"}, "cursor", "cursor"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(as_admin, world, query, field, words) -> None:
    response = as_admin("get", URL, **query)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert words in " ".join(body[field])


def test_an_agent_id_that_is_no_agent_is_refused(as_admin, world, supervisor) -> None:
    response = as_admin("get", URL, agent=str(supervisor.pk))
    assert response.status_code == 400
    assert "Unknown agent" in response.json()["agent"][0]


def test_supervisor_sees_only_their_groups_campaigns(as_supervisor, world) -> None:
    visible = [world.i5.pk, world.i3.pk, world.i2.pk, world.i1.pk]
    assert ids(as_supervisor("get", URL)) == visible
    # Another group's campaign: nothing from it, and its interaction is a 404 by id.
    assert ids(as_supervisor("get", URL, campaign=str(world.collect.pk))) == []
    both = f"{URL}?campaign={world.collect.pk}&campaign={world.sales.pk}"
    assert ids(as_supervisor("get", both)) == [world.i5.pk, world.i3.pk, world.i1.pk]
    assert ids(as_supervisor("get", URL, q="cancel")) == []
    assert as_supervisor("get", f"{URL}{world.i4.pk}/transcript").status_code == 404
    assert as_supervisor("get", f"{URL}{world.i4.pk}/transcript?format=csv").status_code == 404
    assert as_supervisor("get", f"{URL}{world.i1.pk}/transcript").status_code == 200


def test_an_agent_sees_only_the_interactions_they_hold(client, world) -> None:
    from tests.conversations.api_helpers import token_client

    as_bea = token_client(client, world.bea)
    assert ids(as_bea("get", URL)) == [world.i5.pk, world.i2.pk]
    assert as_bea("get", f"{URL}{world.i1.pk}/transcript").status_code == 404


def test_keyset_pages_cover_everything_once(as_admin, world) -> None:
    seen: list[int] = []
    response = as_admin("get", URL, limit="2")
    pages = 0
    while True:
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        pages += 1
        if not body["next"]:
            break
        response = as_admin("get", body["next"].split("testserver")[1])
    assert seen == world.newest_first
    assert pages == 3


def test_a_page_costs_at_most_five_queries(django_assert_max_num_queries, admin, world) -> None:
    with django_assert_max_num_queries(5):
        filters = parse_filters({"campaign": [str(world.sales.pk)], "agent": [str(world.alex.pk)],
                                 "origin": "098123456", "start": "2026-03-01"})  # fmt: skip
        page = page_of(admin, filters)
        assert [row.pk for row in page.rows] == [world.i1.pk]
