"""/api/v1/users/, /api/v1/security-groups/ and /api/v1/break-types/ for Configuration →
Agents: admins change, supervisors read their groups' agents (404 for others), agents 403;
bad input is a 400 naming the field, nothing stored."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import SecurityGroup, User
from accounts.roles import Role
from agents.models import BreakType
from campaigns.models import CampaignMember
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
USERS = "/api/v1/users/"


def api(user: User):
    client = Client()
    client.force_login(user)

    def call(method: str, path: str, body: dict | None = None):
        return getattr(client, method)(path, body, content_type="application/json")

    return call


@pytest.fixture
def stranger(other_group) -> User:
    return make_user("stan", Role.AGENT, [other_group])


def test_who_reads_which_users(admin, supervisor, other_supervisor, agent, stranger):
    listed = api(admin)("get", USERS).json()
    assert {u["username"] for u in listed["results"]} == {"ada", "sam", "olga", "alex", "stan"}
    assert "password" not in listed["results"][0]

    as_supervisor = api(supervisor)
    assert [u["username"] for u in as_supervisor("get", USERS).json()["results"]] == ["alex"]
    assert as_supervisor("get", f"{USERS}{agent.pk}/").json()["username"] == "alex"
    for other in (stranger, other_supervisor, admin):
        response = as_supervisor("get", f"{USERS}{other.pk}/")
        assert response.status_code == 404, other.username
    assert as_supervisor("get", f"{USERS}abc/").status_code == 404

    as_agent = api(agent)
    assert as_agent("get", USERS).status_code == 403
    assert as_agent("get", f"{USERS}{agent.pk}/").status_code == 403


def test_only_admins_change_users(supervisor, agent):
    as_supervisor = api(supervisor)
    assert as_supervisor("post", USERS, {"username": "nina"}).status_code == 403
    assert (
        as_supervisor("patch", f"{USERS}{agent.pk}/", {"screen_monitoring": True}).status_code
        == 403
    )
    for action in ("deactivate", "activate", "password"):
        assert as_supervisor("post", f"{USERS}{agent.pk}/{action}/").status_code == 403
    assert as_supervisor("delete", f"{USERS}{agent.pk}/").status_code == 403
    agent.refresh_from_db()
    assert agent.is_active and not agent.screen_monitoring
    assert not User.objects.filter(username="nina").exists()


def test_an_admin_creates_edits_deactivates_and_resets(admin, supervisor, group):
    call = api(admin)
    sales = make_campaign(supervisor, name="Sales UY")
    created = call(
        "post",
        USERS,
        {
            "username": "nina",
            "first_name": "Nina",
            "role": "agent",
            "security_groups": [group.pk],
            "campaigns": [sales.pk],
            "screen_monitoring": True,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["campaigns"], body["security_groups"], body["screen_monitoring"]) == (
        [sales.pk],
        [group.pk],
        True,
    )
    nina = User.objects.get(username="nina")
    assert len(body["password"]) >= 16 and nina.check_password(body["password"])
    assert "password" not in call("get", f"{USERS}{nina.pk}/").json()  # shown once

    changed = call("patch", f"{USERS}{nina.pk}/", {"screen_monitoring": False, "campaigns": []})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["screen_monitoring"], changed.json()["campaigns"]) == (False, [])
    assert not CampaignMember.objects.filter(agent=nina).exists()

    off = call("post", f"{USERS}{nina.pk}/deactivate/")
    assert (off.status_code, off.json()["is_active"]) == (200, False)
    on = call("post", f"{USERS}{nina.pk}/activate/")
    assert (on.status_code, on.json()["is_active"]) == (200, True)

    reset = call("post", f"{USERS}{nina.pk}/password/")
    assert reset.status_code == 200
    nina.refresh_from_db()
    assert nina.check_password(reset.json()["password"])
    assert call("delete", f"{USERS}{nina.pk}/").status_code == 405  # deactivate instead


def test_a_given_password_is_validated_and_never_answered(admin):
    call = api(admin)
    weak = call("post", USERS, {"username": "nina", "password": "12345678"})
    assert weak.status_code == 400
    assert "This password is entirely numeric." in weak.json()["password"]
    good = call("post", USERS, {"username": "nina", "password": "Tr1cky-Lagoon-77"})
    assert good.status_code == 201 and good.json()["password"] is None


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"username": "ada"}, "username", "A user with that username already exists."),
        ({"username": "a b"}, "username", "Enter a valid username."),
        ({"username": "nina", "role": "boss"}, "role", '"boss" is not a valid choice.'),
        ({"username": "nina", "campaigns": [999]}, "campaigns", 'Invalid pk "999"'),
        ({"username": "nina", "security_groups": ["x"]}, "security_groups", "Incorrect type."),
        ({"username": "nina", "email": "nope"}, "email", "Enter a valid email address."),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin, body, field, text):
    before = User.objects.count()
    response = api(admin)("post", USERS, body)
    assert response.status_code == 400
    assert any(text in message for message in response.json()[field]), response.json()
    assert User.objects.count() == before


def test_an_admin_cannot_deactivate_themselves(admin):
    response = api(admin)("post", f"{USERS}{admin.pk}/deactivate/")
    assert response.status_code == 400
    assert response.json() == {"is_active": ["You cannot deactivate your own account."]}


def test_admins_create_and_rename_security_groups(admin, supervisor, group):
    call = api(admin)
    created = call("post", "/api/v1/security-groups/", {"name": " Retention "})
    assert created.status_code == 201 and created.json()["name"] == "Retention"
    pk = created.json()["id"]
    renamed = call("patch", f"/api/v1/security-groups/{pk}/", {"name": "Loyalty"})
    assert renamed.status_code == 200 and SecurityGroup.objects.get(pk=pk).name == "Loyalty"
    taken = call("post", "/api/v1/security-groups/", {"name": "Sales"})
    assert taken.status_code == 400 and "already exists" in taken.json()["name"][0]
    blank = call("patch", f"/api/v1/security-groups/{pk}/", {"name": "  "})
    assert blank.status_code == 400 and "name" in blank.json()
    assert call("delete", f"/api/v1/security-groups/{pk}/").status_code == 405

    as_supervisor = api(supervisor)
    assert as_supervisor("post", "/api/v1/security-groups/", {"name": "Mine"}).status_code == 403
    assert (
        as_supervisor("patch", f"/api/v1/security-groups/{group.pk}/", {"name": "X"}).status_code
        == 403
    )
    assert as_supervisor("get", f"/api/v1/security-groups/{pk}/").status_code == 404
    assert SecurityGroup.objects.get(pk=group.pk).name == "Sales"


def test_break_type_icons_are_checked_against_the_icon_set(admin):
    call = api(admin)
    bad = call("post", "/api/v1/break-types/", {"name": "Nap", "icon": "zzz", "position": 5})
    assert bad.status_code == 400
    assert bad.json() == {"icon": ["“zzz” is not an icon of the Bootstrap Icons set."]}
    good = call("post", "/api/v1/break-types/", {"name": "Nap", "icon": "moon", "position": 5})
    assert good.status_code == 201 and good.json()["icon"] == "moon"
    assert BreakType.objects.filter(name="Nap").count() == 1
