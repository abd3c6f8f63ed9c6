"""One Redis URL, spelled the way each client wants it."""

from __future__ import annotations

from pathlib import Path


def default_socket(var_dir: Path) -> Path:
    return var_dir / "redis" / "redis.sock"


def celery_url(redis_url: str) -> str:
    """Kombu spells a unix socket ``redis+socket:///path``; redis-py spells it ``unix:///path``."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url
