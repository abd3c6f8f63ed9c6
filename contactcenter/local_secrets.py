"""Secrets that must exist but must never be committed.

When ``SECRET_KEY`` or ``FIELD_ENCRYPTION_KEY`` is not in the environment, a value is generated
once into ``var/secrets.json`` (git-ignored) and reused by every later process, so the web server,
the Celery worker and management commands agree on the same keys.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

GENERATORS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEY": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
}


def load_secrets(var_dir: Path) -> dict[str, str]:
    """Return every secret, from the environment first, else from (or into) the local file."""
    path = var_dir / "secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text())
    missing = [name for name in GENERATORS if not os.environ.get(name) and name not in stored]
    if missing:
        for name in missing:
            stored[name] = GENERATORS[name]()
        var_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle)
        if path.exists():
            # Another process may have written the file meanwhile: keep its values.
            stored = {**stored, **json.loads(path.read_text())}
        else:
            os.replace(tmp, path)
        tmp.unlink(missing_ok=True)
    return {name: os.environ.get(name) or stored[name] for name in GENERATORS}
