"""The crash journal of a claimed batch, in Redis.

Before a row is handed to the provider it is marked ``inflight``; once the provider answered, its
outcome replaces the mark. A worker holds its batch with a heartbeat key that it can only
extend, never recreate: once the heartbeat has expired (the worker is presumed dead) the worker
can no longer mark rows, so recovery and a late worker never both decide a row's fate.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from contactcenter.redis_client import redis_client

JOURNAL_TTL = 7 * 24 * 3600
INFLIGHT = "inflight"

# KEYS: heartbeat, journal. ARGV: heartbeat ttl, row to mark inflight ('' for none),
# row whose outcome to record ('' for none), outcome, journal ttl.
_STEP = """
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
if redis.call('EXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[2], 'inflight')
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
return 1
"""


@dataclass
class Outcome:
    state: int
    provider_message_id: str = ""
    error: str = ""
    attempts: int = 0
    segments: int | None = None
    port: int | None = None
    retry_in: float | None = None  # seconds, for a temporary failure to retry

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: str) -> Outcome:
        return cls(**json.loads(text))


def heartbeat_key(token: str) -> str:
    return f"cc:dialer:heartbeat:{token}"


def journal_key(token: str) -> str:
    return f"cc:dialer:journal:{token}"


class Journal:
    def __init__(self, token: str, ttl: int) -> None:
        self.token, self.ttl = token, ttl
        self.redis = redis_client()
        self._step = self.redis.register_script(_STEP)

    def open(self) -> None:
        self.redis.set(heartbeat_key(self.token), "1", ex=self.ttl)

    def step(self, *, inflight: int | None = None, done: tuple[int, Outcome] | None = None) -> bool:
        """Record ``done``'s outcome, then (if still alive) mark ``inflight``. False: the heartbeat
        is gone, stop sending."""
        row, outcome = done if done else ("", None)
        result = self._step(
            keys=[heartbeat_key(self.token), journal_key(self.token)],
            args=[
                self.ttl,
                "" if inflight is None else inflight,
                row,
                outcome.dumps() if outcome else "",
                JOURNAL_TTL,
            ],
        )
        return bool(result)

    def close(self) -> None:
        self.redis.delete(heartbeat_key(self.token), journal_key(self.token))


def alive(token: str) -> bool:
    return bool(redis_client().exists(heartbeat_key(token)))


def read(token: str) -> dict[int, Outcome | None]:
    """Every row the batch marked: its outcome, or None when it was in flight."""
    raw = redis_client().hgetall(journal_key(token))
    return {int(k): None if v == b"inflight" else Outcome.loads(v.decode()) for k, v in raw.items()}


def forget(token: str) -> None:
    redis_client().delete(journal_key(token))
