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
