"""GET /api/v1/security-groups/: the user's groups, every group for admins (issue 9.13)."""

from __future__ import annotations

import pytest

from accounts.models import SecurityGroup
from accounts.tokens import create_api_token


def _get(client, user, path="/api/v1/security-groups/"):
    _token, key = create_api_token(user=user, name="tests")
    return client.get(path, HTTP_AUTHORIZATION=f"Token {key}")


def _names(response):
    assert response.status_code == 200, response.content
    return [g["name"] for g in response.json()["results"]]


def test_admin_lists_every_group(client, admin, group, other_group):
    assert _names(_get(client, admin)) == ["Collections", "Sales"]


def test_supervisor_lists_only_their_groups(client, supervisor, other_supervisor, other_group):
    assert _names(_get(client, supervisor)) == ["Sales"]
    assert _names(_get(client, other_supervisor)) == ["Collections"]


def test_agent_lists_their_own_groups(client, agent):
    assert _names(_get(client, agent)) == ["Sales"]


def test_another_groups_detail_is_404_and_writing_is_not_allowed(
    client, supervisor, group, other_group
):
    assert _get(client, supervisor, f"/api/v1/security-groups/{group.pk}/").json() == {
        "id": group.pk,
        "name": "Sales",
    }
    assert _get(client, supervisor, f"/api/v1/security-groups/{other_group.pk}/").status_code == 404
    _token, key = create_api_token(user=supervisor, name="w")
    response = client.post(
        "/api/v1/security-groups/", {"name": "Mine"}, HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 403  # admins only (tests/agents/test_configuration_api.py)
    assert not SecurityGroup.objects.filter(name="Mine").exists()


@pytest.mark.parametrize("path", ["/api/v1/security-groups/"])
def test_anonymous_gets_401(client, db, path):
    assert client.get(path).status_code == 401
