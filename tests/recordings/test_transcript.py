"""Transcripts: who sent each message (customer, agent by name, bot and which), and the text
and CSV downloads, checked line by line (formula injection neutralised in CSV)."""

from __future__ import annotations

import csv
import io

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/recordings/{}/transcript"


def body(response) -> str:  # noqa: ANN001
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def test_authorship_in_json(as_admin, world) -> None:
    data = as_admin("get", URL.format(world.i2.pk)).json()
    got = [(m["author"], m["bot_kind"], m["sender"], m["delivery"]) for m in data["messages"]]
    assert got == [
        ("customer", "", "Customer +59899111222", ""),
        ("bot", "out_of_time", "Bot: Out-of-time reply", "delivered"),
        ("agent", "", "Bea Ortiz", "queued"),  # sending is shown as queued
    ]
    dialer = as_admin("get", URL.format(world.i3.pk)).json()["messages"]
    assert [(m["author"], m["sender"]) for m in dialer] == [("bot", "Bot: Dialer message")]
    sendsms = as_admin("get", URL.format(world.i5.pk)).json()["messages"]
    assert [(m["author"], m["sender"]) for m in sendsms] == [("bot", "Bot: SendSMS message")]


def test_text_download_line_by_line(as_admin, world) -> None:
    response = as_admin("get", URL.format(world.i1.pk) + "?format=txt")
    assert response["Content-Type"].startswith("text/plain")
    assert f'filename="conversation-{world.i1.pk}.txt"' in response["Content-Disposition"]
    assert body(response).splitlines() == [
        f"Conversation {world.i1.pk}",
        "Campaign: Sales",
        "Customer: +59898123456",
        "Opened: 2026-03-01T10:00:00Z",
        "Closed: 2026-03-01T10:30:00Z",
        "",
        "2026-03-01T10:00:00Z Customer +59898123456:",
        "    Hi, I have a question about my invoice",
        "2026-03-01T10:02:00Z Alex [Delivered]:",
        "    Hello! Let me check that.",
        "2026-03-01T10:03:00Z Customer +59898123456:",
        '    =HYPERLINK("http://evil","x")',
        "2026-03-01T10:04:00Z Alex [Failed]:",
        "    -2+3 is my code",
    ]


def test_csv_download_line_by_line_with_formulas_neutralised(as_admin, world) -> None:
    response = as_admin("get", URL.format(world.i1.pk) + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body(response))))
    ids = [m.pk for m in world.i1.messages.order_by("id")]
    assert rows == [
        ["id", "time", "direction", "author", "bot_kind", "sender", "text", "delivery"],
        [str(ids[0]), "2026-03-01T10:00:00Z", "in", "customer", "", "Customer +59898123456",
         "Hi, I have a question about my invoice", ""],
        [str(ids[1]), "2026-03-01T10:02:00Z", "out", "agent", "", "Alex",
         "Hello! Let me check that.", "delivered"],
        [str(ids[2]), "2026-03-01T10:03:00Z", "in", "customer", "", "Customer +59898123456",
         "'=HYPERLINK(\"http://evil\",\"x\")", ""],
        [str(ids[3]), "2026-03-01T10:04:00Z", "out", "agent", "", "Alex",
         "'-2+3 is my code", "failed"],
    ]  # fmt: skip


def test_unknown_format_is_a_400(as_admin, world) -> None:
    response = as_admin("get", URL.format(world.i1.pk) + "?format=pdf")
    assert response.status_code in (400, 404)


def test_session_downloads_work_too(client, admin, world) -> None:
    client.force_login(admin)
    response = client.get(URL.format(world.i3.pk) + "?format=txt")
    assert "Bot: Dialer message [Delivered]:" in body(response)
    client.logout()
    assert client.get(URL.format(world.i3.pk) + "?format=txt").status_code in (401, 403)


def test_page_lists_filters_and_shows_errors(client, supervisor, world) -> None:
    client.force_login(supervisor)
    page = client.get("/recordings/").content.decode()
    assert page.count('data-testid="recording-row"') == 4  # not the other group's
    assert "Collections" not in page
    page = client.get("/recordings/", {"origin": "098 123 456"}).content.decode()
    assert page.count('data-testid="recording-row"') == 2
    assert "2 conversations" in page
    page = client.get("/recordings/", {"start": "2026-03-10", "end": "2026-03-01"})
    text = page.content.decode()
    assert 'data-testid="error-end"' in text
    assert "The end date must come after the start date." in text
    assert 'data-testid="recording-row"' not in text
    page = client.get("/recordings/", {"origin": "hello"}).content.decode()
    assert "is not a phone number" in page


def test_page_in_spanish_translates_errors(client, supervisor, world) -> None:
    client.force_login(supervisor)
    client.cookies["django_language"] = "es"
    response = client.get("/recordings/", {"start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()
