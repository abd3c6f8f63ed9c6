"""Bad input answers a clear 400 (or 404) naming the field, never a 500, and stores nothing:
dial strings, SMS texts (SMS_MAX_LENGTH, control characters) on every way in, the monitor."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from accounts.tokens import create_api_token
from dialer.models import Dialer, SpoolRow
from dialer.uploads import ingest_spool
from providers.models import OutboundMessage
from tests.campaigns.factories import make_campaign
from tests.dialer.factories import dialer_for, gateway

HUGE_RANGE = "0-99999999999"


@pytest.fixture
def campsms(supervisor):
    return make_campaign(supervisor, name="campsms", did="")


def api(client, user, method, path, data=None):
    key = create_api_token(user=user, name="t")[1]
    return getattr(client, method)(
        path,
        data=json.dumps(data) if data is not None else None,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )


# ------------------------------------------------------------------ dial strings (10.5)
@pytest.mark.parametrize(
    ("dial_string", "error"),
    [
        (HUGE_RANGE, "Port 99999999999 is out of range (0–31)."),
        ("0-32", "Port 32 is out of range"),
        (",".join(["1"] * 33), "At most 32 ports or ranges"),
        ("٣", "is not a port number"),
    ],
)
def test_dial_string_bounds_are_checked_before_expanding_api(
    client, supervisor, campsms, dial_string, error
):
    provider = gateway("http://127.0.0.1:9")
    response = api(client, supervisor, "post", "/api/v1/dialers/", {
        "name": "Promo", "campaign": campsms.pk, "provider": provider.pk,
        "dial_string": dial_string, "enabled": True, "check_dncr": True,
    })  # fmt: skip
    assert response.status_code == 400, response.content
    assert error in response.json()["dial_string"][0]
    assert not Dialer.objects.exists()


def test_dial_string_bounds_are_checked_before_expanding_form(client, supervisor, campsms):
    provider = gateway("http://127.0.0.1:9")
    client.force_login(supervisor)
    response = client.post("/dialers/", {
        "name": "Promo", "campaign": campsms.pk, "provider": provider.pk,
        "dial_string": HUGE_RANGE, "time_between_messages": 0, "enabled": "on",
    })  # fmt: skip
    assert response.status_code == 200
    assert "Port 99999999999 is out of range" in response.content.decode()
    assert not Dialer.objects.exists()


# ------------------------------------------------------------------ SMS text rules (10.6)
def test_single_message_form_refuses_long_texts_and_control_characters(client, supervisor, campsms):
    client.force_login(supervisor)
    page = f"/dialers/monitor/?campaign={campsms.pk}"
    too_long = client.post(page, {"destination": "099123456", "message": "x" * 20_000})
    assert "20000 characters long; at most 1600" in too_long.content.decode()
    nul = client.post(page, {"destination": "099123456", "message": "a\x00b"})
    assert "U+0000" in nul.content.decode()
    assert not SpoolRow.objects.exists()
    fine = client.post(page, {"destination": "099123456", "message": "x" * 1600})
    assert fine.status_code == 302 and SpoolRow.objects.count() == 1


def test_single_message_form_applies_the_providers_limit(client, supervisor):
    cm = gateway("http://127.0.0.1:9", name="cm")
    cm.api_type, cm.settings = "CMG", {"max_parts": 1}
    cm.save(update_fields=["api_type", "settings"])
    dialer = dialer_for(supervisor, cm)
    client.force_login(supervisor)
    page = f"/dialers/monitor/?campaign={dialer.campaign_id}"
    response = client.post(page, {"destination": "099123456", "message": "x" * 161})
    assert "at most 1 part" in response.content.decode()
    assert not SpoolRow.objects.exists()


def write(tmp_path, data: bytes):
    path = tmp_path / "spool.csv"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("campsms;099000001;" + "x" * 1601 + ";1", "line 2: The text is 1601 characters long"),
        ("campsms;099000001;a\x00b;1", "line 2: The text contains the control character U+0000"),
        ("campsms;099000001;a\x1bb;1", "line 2: The text contains the control character U+001B"),
        ("campsms;099000001;ok;1;id\x00", "line 2: the idm contains the control character U+0000"),
        ("campsms;099\x01;ok;1", "line 2: the destination contains the control character U+0001"),
    ],
)
def test_csv_lines_follow_the_text_rules(tmp_path, supervisor, campsms, line, error):
    path = write(tmp_path, f"campsms;099000009;ok;1\n{line}\n".encode())
    report = ingest_spool(path, supervisor)[0]
    assert report.errors and report.errors[0].startswith(error), report.errors
    report, stored = ingest_spool(path, supervisor)
    assert stored == 0 and not SpoolRow.objects.exists()


def test_a_10_mb_csv_line_is_refused_without_reading_it_whole(tmp_path, supervisor, campsms):
    path = write(
        tmp_path, b"campsms;099000001;ok;1\ncampsms;099000002;" + b"x" * 10_000_000 + b";1\n"
    )
    tracemalloc.start()
    try:
        report = ingest_spool(path, supervisor)[0]
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.errors == [
        "line 2: the line is longer than 14592 bytes (a message may have at most 1600 characters)"
    ]
    assert peak < 1_000_000, peak  # the 10 MB line is never held in memory
    _report, stored = ingest_spool(path, supervisor)
    assert stored == 0 and not SpoolRow.objects.exists()


def test_provider_test_send_api_refuses_long_texts(client, admin):
    provider = gateway("http://127.0.0.1:9")
    response = api(
        client,
        admin,
        "post",
        f"/api/v1/providers/{provider.pk}/test",
        {"destination": "099123456", "message": "x" * 1601},
    )
    assert response.status_code == 400 and "1601 characters long" in response.json()["message"][0]
    response = api(
        client,
        admin,
        "post",
        f"/api/v1/providers/{provider.pk}/test",
        {"destination": "099123456", "message": "bell\x07"},
    )
    assert response.status_code == 400 and "U+0007" in response.json()["message"][0]
    assert not OutboundMessage.objects.exists()


# ------------------------------------------------------------------ monitor (10.7)
def test_monitor_with_a_campaign_that_is_not_a_number(client, supervisor, campsms):
    client.force_login(supervisor)
    response = client.get("/dialers/monitor/?campaign=abc")
    assert response.status_code == 400
    assert "campaign" in response.content.decode()
