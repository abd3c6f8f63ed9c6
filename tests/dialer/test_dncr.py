"""DNCR: global entries are the admins'; supervisors manage their campaigns' (issue 10.4); what
is not a phone number is refused naming the field (issue 10.10)."""

from __future__ import annotations

import json

import pytest

from accounts.tokens import create_api_token
from dialer.models import DncrEntry
from dialer.uploads import check_dncr, load_dncr
from tests.campaigns.factories import make_campaign

GLOBAL_ONLY = (
    "Only an admin can add or remove an entry for every campaign; choose one of your campaigns."
)


@pytest.fixture
def call(client):
    def as_user(user, method, path, data=None):
        _token, key = create_api_token(user=user, name="t")
        body = json.dumps(data) if data is not None else None
        return getattr(client, method)(
            path, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
        )

    return as_user


@pytest.fixture
def sales(supervisor):
    return make_campaign(supervisor, name="Sales", did="1")


@pytest.fixture
def collections(other_supervisor):
    return make_campaign(other_supervisor, name="Collections", did="2")


def test_only_admins_add_global_entries(call, client, admin, supervisor, sales):
    refused = call(supervisor, "post", "/api/v1/dncr/", {"number": "098344484"})
    assert refused.status_code == 400 and refused.json() == {"campaign": [GLOBAL_ONLY]}
    refused = call(supervisor, "post", "/api/v1/dncr/", {"number": "098344484", "campaign": None})
    assert refused.status_code == 400 and refused.json() == {"campaign": [GLOBAL_ONLY]}
    client.force_login(supervisor)
    page = client.post("/dialers/dncr/", {"number": "098344484", "campaign": ""})
    assert page.status_code == 200 and "campaign" in page.context["form"].errors
    assert not DncrEntry.objects.exists()

    mine = call(supervisor, "post", "/api/v1/dncr/", {"number": "098344484", "campaign": sales.pk})
    assert mine.status_code == 201 and mine.json()["number"] == "+59898344484"
    made = call(admin, "post", "/api/v1/dncr/", {"number": "098344485"})
    assert made.status_code == 201 and made.json()["campaign"] is None
    assert DncrEntry.objects.count() == 2


def test_supervisors_cannot_remove_global_entries_or_other_groups(
    call, client, admin, supervisor, other_supervisor, agent, sales, collections
):
    everyone = DncrEntry.objects.create(number="+59898344484")
    theirs = DncrEntry.objects.create(number="+59898344485", campaign=collections)
    mine = DncrEntry.objects.create(number="+59898344486", campaign=sales)

    listed = call(supervisor, "get", "/api/v1/dncr/").json()["results"]
    assert sorted(e["id"] for e in listed) == sorted([everyone.pk, mine.pk])  # global: readable
    assert call(supervisor, "delete", f"/api/v1/dncr/{everyone.pk}/").status_code == 403
    assert call(supervisor, "delete", f"/api/v1/dncr/{theirs.pk}/").status_code == 404
    assert call(agent, "delete", f"/api/v1/dncr/{mine.pk}/").status_code == 403
    assert call(agent, "get", "/api/v1/dncr/").status_code == 403

    client.force_login(supervisor)
    page = client.post("/dialers/dncr/", {"delete": everyone.pk}, follow=True)
    assert GLOBAL_ONLY in page.content.decode()
    assert client.post("/dialers/dncr/", {"delete": theirs.pk}).status_code == 404
    client.force_login(agent)
    assert client.post("/dialers/dncr/", {"delete": mine.pk}).status_code == 403
    assert DncrEntry.objects.count() == 3

    assert call(supervisor, "delete", f"/api/v1/dncr/{mine.pk}/").status_code == 204
    assert call(other_supervisor, "delete", f"/api/v1/dncr/{theirs.pk}/").status_code == 204
    assert call(admin, "delete", f"/api/v1/dncr/{everyone.pk}/").status_code == 204
    assert not DncrEntry.objects.exists()


def test_a_supervisors_upload_line_without_campaign_is_an_error_naming_the_line(
    tmp_path, admin, supervisor, sales
):
    path = tmp_path / "dncr.csv"
    path.write_text("098344484;Sales;\n098344485;;\n098344486;Sales;\n")
    report = check_dncr(path, supervisor)
    assert report.errors == [
        "line 2: no campaign: only an admin can add a number for every campaign; name one of yours"
    ]
    assert load_dncr(path, supervisor) == 0 and not DncrEntry.objects.exists()
    assert check_dncr(path, admin).ok and load_dncr(path, admin) == 3


@pytest.mark.parametrize("number", ["not a number at all", "12", "+", "0983444841234567890"])
def test_what_is_not_a_phone_number_is_refused_naming_the_field(call, client, admin, sales, number):
    message = f"“{number}” is not a phone number."
    for body in ({"number": number}, {"number": number, "campaign": sales.pk}):
        refused = call(admin, "post", "/api/v1/dncr/", body)
        assert refused.status_code == 400 and refused.json() == {"number": [message]}
    client.force_login(admin)
    page = client.post("/dialers/dncr/", {"number": number, "campaign": sales.pk})
    assert page.context["form"].errors["number"] == [message]
    assert not DncrEntry.objects.exists()


def test_another_groups_campaign_answers_like_a_missing_one(call, supervisor, collections):
    foreign = call(
        supervisor, "post", "/api/v1/dncr/", {"number": "098344484", "campaign": collections.pk}
    )
    missing = call(supervisor, "post", "/api/v1/dncr/", {"number": "098344484", "campaign": 999999})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["campaign"][0].replace(str(collections.pk), "N") == missing.json()[
        "campaign"
    ][0].replace("999999", "N")
    assert not DncrEntry.objects.exists()
