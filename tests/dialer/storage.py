"""A file storage kept in Redis, for tests: nothing touches the local disk, so a process can only
reach a file through Django's storage API, and every operation is logged (``operations``)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage

from contactcenter.redis_client import redis_client

PREFIX = "test-storage:"
LOG = "test-storage:log"


class RedisStorage(Storage):
    def _open(self, name: str, mode: str = "rb") -> File:
        data = redis_client().get(PREFIX + name)
        if data is None:
            raise FileNotFoundError(name)
        redis_client().rpush(LOG, f"open {name}")
        return ContentFile(data, name=name)

    def _save(self, name: str, content: File) -> str:
        data = b"".join(content.chunks())
        redis_client().set(PREFIX + name, data)
        redis_client().rpush(LOG, f"save {name}")
        return name

    def delete(self, name: str) -> None:
        redis_client().delete(PREFIX + name)
        redis_client().rpush(LOG, f"delete {name}")

    def exists(self, name: str) -> bool:
        return bool(redis_client().exists(PREFIX + name))

    def size(self, name: str) -> int:
        return redis_client().strlen(PREFIX + name)

    def url(self, name: str) -> str:
        return f"{settings.MEDIA_URL}{name}"


def operations() -> list[str]:
    return [op.decode() for op in redis_client().lrange(LOG, 0, -1)]
