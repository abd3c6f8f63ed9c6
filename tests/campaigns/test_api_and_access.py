"""Campaigns, schedules and members through the API and pages, for each kind of user."""

from __future__ import annotations

import json

import pytest

from accounts.tokens import create_api_token
from campaigns.models import Campaign, CampaignMember, Schedule
from tests.campaigns.factories import make_campaign, provider


@pytest.fixture
def api(client):
    def for_user(user):
        _token, key = create_api_token(user=user, name="tests")

        def call(method, path, data=None):
            body = json.dumps(data) if data is not None else None
            return getattr(client, method)(
                path, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
            )

        return call

    return for_user


def body(supervisor, **extra):
    return {
        "name": "Support",
        "security_group": supervisor.security_groups.first().pk,
        "provider": provider().pk,
        "did": "4000",
        "strategy": "least_recent",
        "service_level": 90,
        "threshold_service_level": 30,
        "threshold_abandon": 300,
        "threshold_chat_time": 600,
        "threshold_acd": 5,
        "max_interactions_per_agent": 2,
        "out_of_time_message": "Closed",
        "enabled": True,
        "schedules": [],
        "preset_responses": [{"title": "Hi", "text": "Hello"}],
        **extra,
    }


def test_campaign_crud_with_the_specs_field_names(api, supervisor):
    call = api(supervisor)
    created = call("post", "/api/v1/campaigns/", body(supervisor))
    assert created.status_code == 201, created.json()
    data = created.json()
    assert {
        k: data[k]
        for k in ("name", "did", "strategy", "threshold_acd", "max_interactions_per_agent")
    } == {
        "name": "Support",
        "did": "4000",
        "strategy": "least_recent",
        "threshold_acd": 5,
        "max_interactions_per_agent": 2,
    }
    assert data["preset_responses"] == [{"title": "Hi", "text": "Hello"}]
    pk = data["id"]
    patched = call("patch", f"/api/v1/campaigns/{pk}/", {"enabled": False})
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert patched.json()["preset_responses"] == [{"title": "Hi", "text": "Hello"}]
    assert call("delete", f"/api/v1/campaigns/{pk}/").status_code == 204


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"threshold_abandon": -1}, "threshold_abandon"),
        ({"name": ""}, "name"),
        ({"strategy": "loudest"}, "strategy"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(api, supervisor, extra, field):
    response = api(supervisor)("post", "/api/v1/campaigns/", body(supervisor, **extra))
    assert response.status_code == 400 and field in response.json()
    assert not Campaign.objects.exists()


def test_other_groups_campaign_is_404_everywhere(api, client, supervisor, other_supervisor, agent):
    campaign = make_campaign(supervisor)
    call = api(other_supervisor)
    assert call("get", "/api/v1/campaigns/").json()["results"] == []
    for method in ("get", "patch", "delete"):
        assert (
            call(
                method, f"/api/v1/campaigns/{campaign.pk}/", {} if method == "patch" else None
            ).status_code
            == 404
        )
    assert call("get", f"/api/v1/campaigns/{campaign.pk}/members/").status_code == 404
    client.force_login(other_supervisor)
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 404
    assert client.post(f"/campaigns/{campaign.pk}/delete/").status_code == 404
    assert "Sales" not in client.get("/campaigns/").content.decode()
    assert "Sales" not in client.get("/campaigns/members/").content.decode()
    client.force_login(agent)
    assert client.get("/campaigns/").status_code == 403
    assert api(agent)("get", "/api/v1/campaigns/").status_code == 403
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_admin_sees_every_group(api, admin, supervisor, other_supervisor):
    make_campaign(supervisor, name="A", did="1")
    make_campaign(other_supervisor, name="B", did="2")
    names = [c["name"] for c in api(admin)("get", "/api/v1/campaigns/").json()["results"]]
    assert names == ["A", "B"]


def test_members_api(api, supervisor, agent):
    campaign = make_campaign(supervisor)
    call = api(supervisor)
    added = call("post", f"/api/v1/campaigns/{campaign.pk}/members/", {"agents": [agent.pk]})
    assert added.status_code == 200
    assert added.json()["members"] == [{"agent": agent.pk, "username": agent.username}]
    refused = call("post", f"/api/v1/campaigns/{campaign.pk}/members/", {"agents": [supervisor.pk]})
    assert refused.status_code == 400 and "Only agents" in refused.json()["agents"][0]
    removed = call("delete", f"/api/v1/campaigns/{campaign.pk}/members/", {"agents": [agent.pk]})
    assert removed.json()["members"] == []
    assert not CampaignMember.objects.exists()


def test_schedules_api(api, supervisor):
    call = api(supervisor)
    created = call(
        "post",
        "/api/v1/schedules/",
        {
            "name": "Night shift",
            "time_zone": "Europe/Madrid",
            "rules": [{"weekdays": [4], "start": "22:00", "end": "02:00", "overnight": True}],
            "holidays": [{"date": "2026-12-25", "name": "Christmas"}],
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["rules"][0]["overnight"] is True
    bad = call(
        "patch",
        f"/api/v1/schedules/{pk}/",
        {"rules": [{"weekdays": [1], "start": "18:00", "end": "09:00"}]},
    )
    assert bad.status_code == 400 and "is not after the start" in bad.json()["rules"][0]
    assert Schedule.objects.get().rules.get().overnight  # unchanged
    renamed = call("patch", f"/api/v1/schedules/{pk}/", {"name": "Nights"})
    assert renamed.status_code == 200 and renamed.json()["rules"][0]["start"] == "22:00:00"
