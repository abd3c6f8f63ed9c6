"""`manage.py createsuperuser` makes an admin (issue 9.2)."""

from __future__ import annotations

from django.core.management import call_command

from accounts.models import User
from accounts.roles import Role
from tests.conftest import PASSWORD


def test_createsuperuser_command_makes_an_admin_who_opens_providers(db, client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, username="root", email="root@example.com")
    user = User.objects.get(username="root")
    assert user.is_superuser and user.role == Role.ADMIN
    client.force_login(user)
    assert client.get("/providers/").status_code == 200


def test_a_user_made_superuser_later_becomes_admin(db):
    user = User.objects.create_user(username="later", password=PASSWORD)
    assert user.role == Role.AGENT
    user.is_superuser = True
    user.save()
    user.refresh_from_db()
    assert user.role == Role.ADMIN


def test_migration_makes_existing_superusers_admins(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0002_superusers_are_admins")
    root = User.objects.create_user(username="old-root", password=PASSWORD)
    User.objects.filter(pk=root.pk).update(is_superuser=True, role=Role.AGENT)  # as before
    plain = User.objects.create_user(username="plain", password=PASSWORD)
    migration.superusers_are_admins(apps, None)
    assert User.objects.get(pk=root.pk).role == Role.ADMIN
    assert User.objects.get(pk=plain.pk).role == Role.AGENT
