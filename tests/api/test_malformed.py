"""Malformed API input answers 400 naming the parameter (or 404 for a path), never a 500; the
schema says what the answers are; the spool pages by cursor without counting the table."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from accounts.tokens import create_api_token
from tests.campaigns.factories import make_campaign
from tests.dialer.factories import spool

LISTS = [
    "/api/v1/providers/",
    "/api/v1/campaigns/",
    "/api/v1/schedules/",
    "/api/v1/dialers/",
    "/api/v1/spool/",
    "/api/v1/dncr/",
]


@pytest.fixture
def campsms(supervisor):
    return make_campaign(supervisor, name="campsms", did="")


@pytest.fixture
def get(client, admin):
    key = create_api_token(user=admin, name="t")[1]

    def call(path, **params):
        return client.get(path, params, HTTP_AUTHORIZATION=f"Token {key}")

    return call


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("name", "value"),
    [("limit", "1e20"), ("limit", "-1"), ("limit", "0"), ("offset", "1e20"),
     ("offset", str(10**20)), ("limit", "٣")],
)  # fmt: skip
def test_paging_parameters_on_every_list(get, path, name, value):
    if path == "/api/v1/spool/" and name == "offset":
        pytest.skip("the spool pages by cursor: it has no offset")
    response = get(path, **{name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()


@pytest.mark.parametrize(
    ("name", "value"),
    [("state", "²"), ("state", "9"), ("created_after", "2026-13-45"),
     ("created_before", "2026-01-01T25:00"), ("campaign", "1e23"), ("campaign", "abc"),
     ("cursor", "garbage")],
)  # fmt: skip
def test_spool_filters_name_the_bad_parameter(get, campsms, name, value):
    response = get("/api/v1/spool/", **{name: value})
    assert response.status_code == 400, response.content
    assert list(response.json()) == [name]


def test_spool_filters_still_filter(get, campsms, supervisor):
    other = make_campaign(supervisor, name="other", did="")
    spool(campsms, [("099000001", "a", 0), ("099000002", "b", 0)])
    spool(other, [("099000003", "c", 0)])
    rows = get("/api/v1/spool/", campaign=campsms.pk, state=1, created_after="2000-01-01")
    assert [r["destination"] for r in rows.json()["results"]] == ["099000001", "099000002"]
    assert get("/api/v1/spool/", created_before="2000-01-01T00:00").json()["results"] == []


def test_a_foreign_campaign_is_a_bad_filter_not_an_empty_page(client, other_supervisor, campsms):
    key = create_api_token(user=other_supervisor, name="t")[1]
    response = client.get(
        "/api/v1/spool/", {"campaign": campsms.pk}, HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 400 and "campaign" in response.json()


def test_paths_that_are_not_ids_are_404(get, campsms):
    for path in ("/api/v1/campaigns/abc/members/", "/api/v1/campaigns/0.5/", "/api/v1/nowhere"):
        response = get(path)
        assert response.status_code == 404, (path, response.content)
        assert response["Content-Type"] == "application/json"


def test_api_paths_work_with_and_without_the_trailing_slash(get, campsms):
    for path in (
        "/api/v1/me",
        "/api/v1/me/",
        "/api/v1/campaigns",
        f"/api/v1/campaigns/{campsms.pk}",
    ):
        assert get(path).status_code == 200, path


def test_spool_pages_by_cursor_without_counting(get, campsms):
    spool(campsms, [(f"0990000{i:02d}", "m", i % 3) for i in range(25)])
    seen, page, pages = [], get("/api/v1/spool/", limit=10), 0
    while True:
        pages += 1
        body = page.json()
        assert "count" not in body
        seen += [r["id"] for r in body["results"]]
        if not body["next"]:
            break
        with CaptureQueriesContext(connection) as queries:
            page = get(body["next"])
        assert not [q for q in queries if "COUNT(" in q["sql"].upper()], queries.captured_queries
        assert len(queries) <= 3, queries.captured_queries  # token, rows (, a session touch)
    assert pages == 3 and len(seen) == 25 and seen == sorted(seen)


def test_the_schema_documents_what_the_answers_are():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    upload = paths["/api/v1/spool/uploads/{upload_id}/"]["get"]["responses"]
    assert upload["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/UploadProgress"
    )
    members = paths["/api/v1/campaigns/{id}/members/"]["get"]["responses"]
    assert members["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/MembersOut")
    assert {"400", "401", "403", "404"} <= set(paths["/api/v1/dialers/{id}/"]["put"]["responses"])
    assert {"200", "502"} <= set(paths["/api/v1/providers/{id}/test/"]["post"]["responses"])
    assert "/Integra/resources/SMS/SendSMS/{legacy}" not in paths
    assert "cursor" in {p["name"] for p in paths["/api/v1/spool/"]["get"]["parameters"]}
    assert {"campaign", "state", "created_after"} <= {
        p["name"] for p in paths["/api/v1/spool/"]["get"]["parameters"]
    }
