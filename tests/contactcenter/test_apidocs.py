"""/api/schema/ and /api/docs/ are for signed-in users (session or API token) only."""

from __future__ import annotations

from django.urls import reverse

from accounts.tokens import create_api_token


def test_anonymous_callers_get_neither_schema_nor_docs(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 401
    assert b"openapi" not in response.content
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/api/docs/"
    assert client.get("/api/schema/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_a_signed_in_user_gets_both(client, agent):
    client.force_login(agent)
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"openapi" in response.content
    response = client.get("/api/docs/")
    assert response.status_code == 200 and b"swagger" in response.content.lower()


def test_an_api_token_gets_the_schema(client, agent):
    _token, key = create_api_token(user=agent, name="codegen")
    response = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and b"openapi" in response.content
