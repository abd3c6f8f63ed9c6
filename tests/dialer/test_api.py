"""Dialers, spool, SendSMS and operator actions through the API."""

from __future__ import annotations

import json
import time

import pytest

from accounts.tokens import create_api_token
from dialer.counters import counts
from dialer.models import Dialer, SpoolRow, SpoolUpload
from dialer.services import TOP_PRIORITY, queue_message
from dialer.states import SpoolState as S
from tests.campaigns.factories import make_campaign
from tests.dialer.factories import dialer_for, gateway, spool


@pytest.fixture
def token(supervisor):
    return create_api_token(user=supervisor, name="crm")[1]


@pytest.fixture
def campaign(supervisor):
    return make_campaign(supervisor, name="campsms", did="")


def api(client, token, method, path, data=None, **extra):
    return getattr(client, method)(
        path,
        data=json.dumps(data) if data is not None else None,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
        **extra,
    )


def test_dialer_crud_start_stop(client, supervisor, token, campaign):
    provider = gateway("http://127.0.0.1:9")
    created = api(
        client,
        token,
        "post",
        "/api/v1/dialers/",
        {
            "name": "Promo",
            "campaign": campaign.pk,
            "provider": provider.pk,
            "dial_string": "0-3",
            "time_between_messages": 250,
            "enabled": True,
            "check_dncr": True,
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["running"] is False
    started = api(client, token, "post", f"/api/v1/dialers/{pk}/start")
    assert started.status_code == 200 and started.json()["running"] is True
    assert api(client, token, "post", f"/api/v1/dialers/{pk}/stop").json()["running"] is False
    api(client, token, "patch", f"/api/v1/dialers/{pk}/", {"enabled": False})
    refused = api(client, token, "post", f"/api/v1/dialers/{pk}/start")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "The dialer is disabled: enable it before starting it."
    assert not Dialer.objects.get().running


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"dial_string": "3-1"}, "dial_string", "goes backwards"),
    ({"time_between_messages": -5}, "time_between_messages", "Milliseconds"),
    ({"name": ""}, "name", "This field may not be blank."),
])  # fmt: skip
def test_dialer_bad_input(client, token, campaign, extra, field, message):
    provider = gateway("http://127.0.0.1:9")
    response = api(
        client,
        token,
        "post",
        "/api/v1/dialers/",
        {"name": "Promo", "campaign": campaign.pk, "provider": provider.pk, **extra},
    )
    assert response.status_code == 400 and message in response.json()[field][0]
    assert not Dialer.objects.exists()


def test_one_dialer_per_campaign(client, supervisor, token, campaign):
    provider = gateway("http://127.0.0.1:9")
    dialer_for(supervisor, provider, campaign=campaign)
    response = api(
        client,
        token,
        "post",
        "/api/v1/dialers/",
        {"name": "Second", "campaign": campaign.pk, "provider": provider.pk},
    )
    assert response.status_code == 400 and "has a dialer already" in response.json()["campaign"][0]


def test_spool_list_and_filters(client, token, campaign):
    spool(campaign, [("099000001", "a", 1), ("099000002", "b", 0)])
    SpoolRow.objects.filter(destination="099000001").update(state=S.FAILED)
    rows = api(client, token, "get", f"/api/v1/spool/?campaign={campaign.pk}").json()["results"]
    assert [r["destination"] for r in rows] == ["099000001", "099000002"]  # entry order (id)
    failed = api(client, token, "get", f"/api/v1/spool/?state={S.FAILED}").json()["results"]
    assert [r["destination"] for r in failed] == ["099000001"]
    by_number = api(client, token, "get", "/api/v1/spool/?destination=099000002").json()["results"]
    assert len(by_number) == 1
    today = time.strftime("%Y-%m-%d")
    assert (
        len(api(client, token, "get", f"/api/v1/spool/?created_after={today}").json()["results"])
        == 2
    )
    bad = api(client, token, "get", "/api/v1/spool/?created_after=yesterday")
    assert bad.status_code == 400 and "created_after" in bad.json()


def test_spool_of_other_groups_is_invisible(client, other_supervisor, campaign):
    spool(campaign, [("099000001", "a", 1)])
    key = create_api_token(user=other_supervisor, name="x")[1]
    assert api(client, key, "get", "/api/v1/spool/").json()["results"] == []


def test_sendsms_post_queues_at_top_priority(client, token, campaign):
    spool(campaign, [("099000001", "csv row", 0)])
    response = client.post(
        "/Integra/resources/SMS/SendSMS",
        {"destination": "099123456", "message": "Your code is 1234", "campaign": "campsms"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    row = SpoolRow.objects.get(pk=body["id"])
    assert body["state"] == S.TO_PROCESS and row.priority == TOP_PRIORITY
    first = SpoolRow.objects.filter(campaign=campaign).order_by("priority", "position").first()
    assert first.pk == row.pk
    assert counts(campaign.pk)[S.TO_PROCESS] == 2


def test_sendsms_legacy_get(client, token, campaign):
    response = client.get(
        "/Integra/resources/SMS/SendSMS/destination=%2B59899123456&message=Hola%20%26%20chau&api=campsms",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200, response.json()
    row = SpoolRow.objects.get(pk=response.json()["id"])
    assert row.destination == "+59899123456"


@pytest.mark.parametrize(("fields", "field"), [
    ({"destination": "099123456", "message": "hi", "campaign": "nope"}, "campaign"),
    ({"destination": "099123456", "message": "  ", "campaign": "campsms"}, "message"),
    ({"destination": "call me", "message": "hi", "campaign": "campsms"}, "destination"),
    ({"destination": "099123456", "message": "hi", "campaign": "campsms", "agent": "ghost"}, "agent"),
])  # fmt: skip
def test_sendsms_bad_request_names_the_field(client, token, campaign, fields, field):
    response = client.post(
        "/Integra/resources/SMS/SendSMS", fields, HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 400 and field in response.json()
    assert not SpoolRow.objects.exists()


def test_sendsms_refuses_a_number_the_provider_would_refuse(client, supervisor, token, campaign):
    dialer_for(
        supervisor, gateway("http://127.0.0.1:9", number_regexp=r"^09\d{7}$"), campaign=campaign
    )
    response = client.post(
        "/Integra/resources/SMS/SendSMS",
        {"destination": "+14155550100", "message": "hi", "campaign": "campsms"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 400 and "number format" in response.json()["destination"]


def test_sendsms_needs_a_token(client, campaign):
    response = client.post(
        "/Integra/resources/SMS/SendSMS",
        {"destination": "099123456", "message": "hi", "campaign": "campsms"},
    )
    assert response.status_code == 401
    assert (
        client.get(
            "/Integra/resources/SMS/SendSMS/destination=099&message=x&api=campsms"
        ).status_code
        == 401
    )


def test_requeue_and_drop_unknown_rows(client, token, campaign):
    rows = spool(campaign, [("099000001", "a", 0), ("099000002", "b", 0)])
    SpoolRow.objects.update(state=S.SENDING, fate_unknown=True, claim="dead")
    from dialer.counters import adjust

    adjust({(campaign.pk, S.TO_PROCESS): -2, (campaign.pk, S.SENDING): 2})
    requeued = api(
        client,
        token,
        "post",
        "/api/v1/spool/requeue",
        {"campaign": campaign.pk, "ids": [rows[0].pk]},
    )
    assert requeued.status_code == 200 and requeued.json()["changed"] == 1
    dropped = api(
        client, token, "post", "/api/v1/spool/drop", {"campaign": campaign.pk, "ids": [rows[1].pk]}
    )
    assert dropped.json()["changed"] == 1
    assert dict(SpoolRow.objects.values_list("destination", "state")) == {
        "099000001": S.TO_PROCESS,
        "099000002": S.FAILED,
    }
    c = counts(campaign.pk)
    assert (c[S.SENDING], c[S.TO_PROCESS], c[S.FAILED]) == (0, 1, 1)


def test_upload_api_runs_in_the_background_with_progress(
    client, token, campaign, celery_worker, transactional_db
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = "".join(f"campsms;0990{i:05d};Message {i};1\n" for i in range(2000)).encode()
    response = client.post(
        "/api/v1/spool/upload",
        {"file": SimpleUploadedFile("promo.csv", body)},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 202, response.json()
    upload_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = api(client, token, "get", f"/api/v1/spool/uploads/{upload_id}").json()
        if status["state"] in ("done", "rejected", "failed"):
            break
        time.sleep(0.05)  # a poll interval
    assert status["state"] == "done" and status["rows_loaded"] == 2000 and status["percent"] == 100
    assert SpoolRow.objects.filter(campaign=campaign).count() == 2000


def test_upload_api_refuses_a_bad_file_name_and_reports_bad_lines(
    client, token, campaign, celery_worker, transactional_db
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad_name = client.post(
        "/api/v1/spool/upload",
        {"file": SimpleUploadedFile("my list.csv", b"x")},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert bad_name.status_code == 400 and "spaces" in bad_name.json()["file"][0]
    response = client.post(
        "/api/v1/spool/upload",
        {"file": SimpleUploadedFile("bad.csv", b"campsms;099;ok;1\ncampsms;099;bad;x\n")},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    upload_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while (
        SpoolUpload.objects.get(pk=upload_id).state not in ("rejected", "done")
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)  # a poll interval
    status = api(client, token, "get", f"/api/v1/spool/uploads/{upload_id}").json()
    assert status["state"] == "rejected"
    assert status["errors"] == ["line 2: the priority “x” is not a whole number"]
    assert not SpoolRow.objects.exists()


def test_queue_message_validation(campaign):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        queue_message(campaign=campaign, destination=" ", message="")
    assert set(caught.value.message_dict) == {"destination", "message"}
