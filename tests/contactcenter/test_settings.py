from __future__ import annotations

import json
import stat

from contactcenter.local_secrets import load_secrets
from contactcenter.redis_urls import celery_url


def test_secrets_are_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FIELD_ENCRYPTION_KEY", raising=False)
    first = load_secrets(tmp_path)
    second = load_secrets(tmp_path)
    assert first == second
    assert len(first["SECRET_KEY"]) >= 50
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == first


def test_environment_wins_over_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert load_secrets(tmp_path)["SECRET_KEY"] == "from-env"


def test_the_secrets_file_is_git_ignored():
    from django.conf import settings

    ignored = (settings.BASE_DIR / ".gitignore").read_text().split()
    assert "/var/" in ignored


def test_celery_url_spelling():
    assert celery_url("unix:///tmp/r.sock") == "redis+socket:///tmp/r.sock"
    assert celery_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def settings_in_a_fresh_process(tmp_path, **env: str) -> dict:
    """Settings as a new process reads them from its environment."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    names = ["SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
             "SESSION_COOKIE_AGE", "SECURE_PROXY_SSL_HEADER", "CONTENT_SECURITY_POLICY"]  # fmt: skip
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("BEHIND_TLS_PROXY", *names)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
            "CC_VAR_DIR": str(tmp_path),
            **env,
        },  # fmt: skip
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent(tmp_path):
    plain = settings_in_a_fresh_process(tmp_path)
    assert plain["SECURE_HSTS_SECONDS"] in (None, 0)
    assert plain["SESSION_COOKIE_SECURE"] is False and plain["CSRF_COOKIE_SECURE"] is False
    assert plain["SESSION_COOKIE_AGE"] == 43200  # 12 hours

    tls = settings_in_a_fresh_process(tmp_path, BEHIND_TLS_PROXY="true", SESSION_COOKIE_AGE="3600")
    assert tls["SECURE_HSTS_SECONDS"] == 31536000
    assert tls["SESSION_COOKIE_SECURE"] is True and tls["CSRF_COOKIE_SECURE"] is True
    assert tls["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert tls["SESSION_COOKIE_AGE"] == 3600


def test_hsts_header_behind_the_proxy(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login/").headers  # plain HTTP


def test_every_page_carries_a_csp_without_inline_scripts(client, db):
    for url in ("/login/", "/no-such-page/", "/healthz"):
        policy = client.get(url).headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["script-src"] == "'self'", url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert directives["object-src"] == "'none'"


def test_sessions_end_after_the_configured_age(client, admin):
    from django.conf import settings

    from tests.conftest import PASSWORD

    client.post("/login/", {"username": admin.username, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE == 43200
