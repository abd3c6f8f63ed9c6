from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import ApiToken
from accounts.tokens import create_api_token, hash_key


def test_api_without_token_gets_401(client, db):
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_api_with_bad_token_gets_401_with_reason(client, db):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown or revoked token."
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token a b")
    assert response.status_code == 401
    assert "expected 'Token <key>'" in response.json()["detail"]


def test_token_authenticates_and_only_its_hash_is_stored(client, supervisor):
    token, key = create_api_token(user=supervisor, name="CRM")
    assert token.key_hash == hash_key(key) and key not in token.key_hash
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["username"] == "sam"
    assert response.json()["role"] == "supervisor"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_create_and_revoke_in_the_ui(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("api_tokens"), {"name": "Billing"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=supervisor)
    key = html.split('id="new-token-key">')[1].split("<")[0]
    assert hash_key(key) == token.key_hash
    # The key is shown once: the next visit shows its prefix only.
    assert key not in client.get(reverse("api_tokens")).content.decode()
    client.post(reverse("revoke_token", args=[token.pk]))
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    client.logout()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_blank_token_name_is_refused(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("api_tokens"), {"name": "   "})
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(client, supervisor, agent):
    token, _key = create_api_token(user=agent, name="mine")
    client.force_login(supervisor)
    assert client.post(reverse("revoke_token", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_manage_py_create_api_token_prints_a_working_key(client, supervisor):
    out = io.StringIO()
    call_command("create_api_token", "sam", stdout=out)
    key = out.getvalue().strip()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_manage_py_create_api_token_unknown_user(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost")
