"""Break types are an admin-edited list (Django admin, for the portal's admins)."""

from __future__ import annotations

from agents.models import BreakType


def test_an_admin_adds_and_orders_break_types(client, admin) -> None:
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.post(
        "/django-admin/agents/breaktype/add/", {"name": "Team huddle", "icon": "", "position": 5}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BreakType.objects.filter(name="Team huddle", position=5).exists()
    listing = client.get("/django-admin/agents/breaktype/").content.decode()
    assert "Team huddle" in listing


def test_a_duplicate_name_is_refused(client, admin) -> None:
    admin.is_staff = admin.is_superuser = True
    admin.save()
    BreakType.objects.get_or_create(name="Lunch")
    client.force_login(admin)
    response = client.post(
        "/django-admin/agents/breaktype/add/", {"name": "Lunch", "icon": "", "position": 1}
    )
    assert response.status_code == 200
    assert "A break type with this name exists." in response.content.decode()


def test_a_supervisor_cannot_open_them(client, supervisor) -> None:
    client.force_login(supervisor)
    response = client.get("/django-admin/agents/breaktype/")
    assert response.status_code == 302 and "/login/" in response["Location"]
