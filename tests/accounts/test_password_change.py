"""A password change revokes the user's API tokens, unless they tick "Keep my API tokens";
an admin's reset in the Django admin always does."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.services import change_password
from accounts.tokens import create_api_token
from tests.conftest import PASSWORD

NEW = "An0ther-Long-One"


def api_status(client, key: str) -> int:
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def change_own(client, **extra):
    data = {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW, **extra}
    return client.post(reverse("password_change"), data, follow=True)


def test_the_form_offers_to_keep_the_tokens(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("password_change")).content.decode()
    assert 'name="keep_api_tokens"' in page and "Keep my API tokens" in page


def test_changing_the_own_password_revokes_the_api_tokens(client, supervisor, agent):
    _t, key = create_api_token(user=supervisor, name="CRM")
    _t, key2 = create_api_token(user=supervisor, name="Reports")
    _t, others = create_api_token(user=agent, name="Agent's")
    client.force_login(supervisor)
    assert api_status(client, key) == 200

    response = change_own(client)
    assert response.status_code == 200
    assert "2 API tokens were revoked." in response.content.decode()
    supervisor.refresh_from_db()
    assert supervisor.check_password(NEW)
    client.logout()
    assert api_status(client, key) == 401 and api_status(client, key2) == 401
    assert api_status(client, others) == 200  # other users' tokens are left alone


def test_keep_my_api_tokens(client, supervisor):
    _t, key = create_api_token(user=supervisor, name="CRM")
    client.force_login(supervisor)
    response = change_own(client, keep_api_tokens="on")
    assert response.status_code == 200 and "revoked" not in response.content.decode()
    client.logout()
    assert api_status(client, key) == 200


def test_a_refused_change_revokes_nothing(client, supervisor):
    _t, key = create_api_token(user=supervisor, name="CRM")
    client.force_login(supervisor)
    response = change_own(client, old_password="wrong")
    assert response.status_code == 200
    supervisor.refresh_from_db()
    assert supervisor.check_password(PASSWORD)
    assert ApiToken.objects.filter(user=supervisor).count() == 1


def test_an_admin_reset_in_the_django_admin_revokes_the_tokens(client, supervisor):
    _t, key = create_api_token(user=supervisor, name="CRM")
    root = User.objects.create_superuser(username="root", password=PASSWORD)
    client.force_login(root)
    url = reverse("admin:auth_user_password_change", args=[supervisor.pk])
    page = client.get(url).content.decode()
    assert "Saving revokes this user" in page
    response = client.post(url, {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    supervisor.refresh_from_db()
    assert supervisor.check_password(NEW)
    client.logout()
    assert api_status(client, key) == 401


def test_disabling_password_sign_in_revokes_the_tokens(supervisor):
    create_api_token(user=supervisor, name="CRM")
    assert change_password(user=supervisor, password=None) == 1
    supervisor.refresh_from_db()
    assert not supervisor.has_usable_password()
    assert not ApiToken.objects.filter(user=supervisor).exists()
