"""The reports' API (JSON) and page: figures, the dialer report, role scoping, bad input
(400 naming the field, the same message on the page), CSV downloads and formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from accounts.roles import Role
from dialer.models import SpoolRow
from tests.conftest import make_user
from tests.conversations.api_helpers import token_client
from tests.reports.world import D, at

NEXT = D + dt.timedelta(days=1)
RANGE = {"start": D.isoformat(), "end": NEXT.isoformat()}


@pytest.fixture
def api(client):
    return lambda user: token_client(client, user)


def spool(campaign, n, created, state, delivery="unknown"):
    SpoolRow.objects.bulk_create(
        SpoolRow(campaign=campaign, destination="099000000", message="m", position=k,
                 state=state, delivery_status=delivery, created_at=created)
        for k in range(n)
    )  # fmt: skip


def test_interactions_json(history, api, supervisor):
    response = api(supervisor)("get", "/api/v1/reports/interactions", **RANGE)
    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["time_zone"]) == (
        D.isoformat(), NEXT.isoformat(), "America/Montevideo"
    )  # fmt: skip
    (sales,) = body["by_campaign"]
    assert sales["campaign"] == history.sales.pk
    assert sales["received"] == 6 and sales["service_level"] == 33.3
    assert sales["first_response_p90"] == 120.0 and sales["handling_avg"] == 450.0
    assert [a["name"] for a in body["by_agent"]] == ["Ana", "Bruno"]
    assert [d["day"] for d in body["by_day"]] == [D.isoformat(), NEXT.isoformat()]
    assert body["totals"]["received"] == 6


def test_dialer_json_per_campaign_and_state(history, api, supervisor, admin):
    spool(history.sales, 3, at(D, 9), 2, "delivered")
    spool(history.sales, 2, at(D, 9), 2, "read")  # read counts as delivered
    spool(history.sales, 1, at(D, 9), 2, "undelivered")
    spool(history.sales, 1, at(D, 9), 2, "accepted")
    spool(history.sales, 4, at(D, 9), 1)  # waiting
    spool(history.sales, 2, at(NEXT, 23, 59), 3)  # blocked, last minute of the range
    spool(history.sales, 5, at(NEXT + dt.timedelta(days=1), 0, 0), 2)  # the day after: out
    spool(history.collections, 6, at(D, 9), 2, "delivered")  # another group's
    rows = api(supervisor)("get", "/api/v1/reports/dialer", **RANGE).json()["rows"]
    assert [(r["name"], r["state"], r["total"], r["sent"], r["delivered"], r["failed"],
             r["unknown"]) for r in rows] == [
        ("Sales", 1, 4, 0, 0, 0, 4),
        ("Sales", 2, 7, 1, 5, 1, 0),
        ("Sales", 3, 2, 0, 0, 0, 2),
    ]  # fmt: skip
    assert rows[0]["state_label"] == "To process"
    every = api(admin)("get", "/api/v1/reports/dialer", **RANGE).json()["rows"]
    assert {r["name"] for r in every} == {"Sales", "Collections"}


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ({"start": "2026-11-12", "end": "2026-11-10"}, "end", "is before the start date"),
        ({"start": "10/11/2026"}, "start", "is not a date"),
        ({"end": "2026-11-31"}, "end", "is not a date"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "end", "at most 366 days"),
        ({"campaign": "999999"}, "campaign", "No campaign has the id 999999"),
        ({"campaign": "abc"}, "campaign", "is not a campaign id"),
        ({"agent": "999999"}, "agent", "No agent has the id 999999"),
        ({"agent": "-1"}, "agent", "is not an agent id"),
    ],
)
def test_bad_input_names_the_field(history, api, supervisor, client, query, field, text):
    for path in ("/api/v1/reports/interactions", "/api/v1/reports/dialer"):
        response = api(supervisor)("get", path, **query)
        assert response.status_code == 400
        assert list(response.json()) == [field]
        assert text in response.json()[field][0]
    client.force_login(supervisor)
    page = client.get("/monitoring/reports/", query)
    assert page.status_code == 400
    html = page.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert text in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert 'data-testid="report-totals"' not in html  # no figures under bad filters


def test_scoping(history, api, supervisor, other_supervisor, agent, client):
    other = str(history.collections.pk)
    assert api(supervisor)("get", "/api/v1/reports/interactions", campaign=other).status_code == 404
    assert api(supervisor)("get", "/api/v1/reports/dialer", campaign=other).status_code == 404
    outsider = str(history.ag3.pk)  # Collections' agent, not in the supervisor's group
    assert api(supervisor)("get", "/api/v1/reports/interactions", agent=outsider).status_code == 404
    theirs = api(other_supervisor)("get", "/api/v1/reports/interactions", **RANGE).json()
    assert [c["name"] for c in theirs["by_campaign"]] == ["Collections"]
    assert [a["name"] for a in theirs["by_agent"]] == ["Carla"]
    assert api(agent)("get", "/api/v1/reports/interactions").status_code == 403
    client.force_login(supervisor)
    assert client.get("/monitoring/reports/", {"campaign": other}).status_code == 404
    client.force_login(agent)
    assert client.get("/monitoring/reports/").status_code == 403
    assert Client().get("/api/v1/reports/interactions").status_code in (401, 403)


def test_page_shows_tables_and_chart_data(history, client, supervisor):
    client.force_login(supervisor)
    response = client.get("/monitoring/reports/", RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("campaigns", "agents", "days", "dialer"):
        assert f'data-testid="table-{key}"' in html
        assert f'data-testid="csv-{key}"' in html
    assert 'id="report-data"' in html and "<canvas" in html
    assert "<td>33.3</td>" in html
    assert 'data-testid="total-received">6<' in html


def csv_rows(client, table, **query):
    response = client.get("/monitoring/reports/", {**RANGE, "download": table, **query})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"report-{table}-" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_content_line_by_line(history, client, supervisor):
    client.force_login(supervisor)
    assert csv_rows(client, "campaigns") == [
        ["Id", "Campaign", "Received", "Answered", "Abandoned", "Service level %",
         "Avg first response (s)", "p90 first response (s)", "Avg handling time (s)",
         "Messages in", "Messages out", "Segments sent"],
        [str(history.sales.pk), "Sales", "6", "3", "1", "33.3", "53.3", "120.0", "450.0", "4",
         "5", "7"],
    ]  # fmt: skip
    agents = csv_rows(client, "agents")
    assert agents[0][:3] == ["Id", "Agent", "Interactions"]
    assert agents[1:] == [
        [str(history.ag1.pk), "Ana", "2", "2", "0", "50.0", "60.0", "120.0", "450.0", "1", "2",
         "2"],
        [str(history.ag2.pk), "Bruno", "1", "1", "0", "100.0", "40.0", "45.0", "", "1", "2",
         "4"],
    ]  # fmt: skip
    days = csv_rows(client, "days")
    assert [row[:3] for row in days] == [["Day", "Received", "Answered"],
                                         [D.isoformat(), "5", "3"],
                                         [NEXT.isoformat(), "1", "0"]]  # fmt: skip
    spool(history.sales, 2, at(D, 9), 5)
    assert csv_rows(client, "dialer") == [
        ["Id", "Campaign", "State", "State name", "Rows", "Sent", "Delivered", "Failed",
         "Unknown"],
        [str(history.sales.pk), "Sales", "5", "Failed", "2", "0", "0", "0", "2"],
    ]  # fmt: skip


def test_csv_neutralises_formulas(history, client, supervisor, group):
    history.sales.name = '=HYPERLINK("http://evil","x")'
    history.sales.save(update_fields=["name"])
    history.ag1.first_name = "@SUM(A1)"
    history.ag1.save(update_fields=["first_name"])
    history.ag2.first_name, history.ag2.last_name = "+1", "-2"
    history.ag2.save(update_fields=["first_name", "last_name"])
    client.force_login(supervisor)
    assert csv_rows(client, "campaigns")[1][1] == '\'=HYPERLINK("http://evil","x")'
    names = [row[1] for row in csv_rows(client, "agents")[1:]]
    assert sorted(names) == ["'+1 -2", "'@SUM(A1)"]
    assert all(not name.startswith(("=", "+", "-", "@")) for name in names)


def test_no_campaign_visible_gives_empty_tables(db, client):
    lonely = make_user("lone", Role.SUPERVISOR)
    client.force_login(lonely)
    response = client.get("/monitoring/reports/")
    assert response.status_code == 200
    assert 'data-testid="empty-campaigns"' in response.content.decode()
