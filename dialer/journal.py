"""The crash journal of a claimed batch, in Redis.

Before a row is handed to the provider it is marked ``inflight``; once the provider answered, its
outcome replaces the mark. A worker holds its batch with a heartbeat key that it can only
extend, never recreate: once the heartbeat has expired (the worker is presumed dead) the worker
can no longer mark rows, so recovery and a late worker never both decide a row's fate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from contactcenter.redis_client import redis_client

JOURNAL_TTL = 7 * 24 * 3600
INFLIGHT = "inflight"

# KEYS: heartbeat, journal. ARGV: heartbeat ttl, journal ttl, number of outcomes n, then n
# (row, outcome) pairs, then the rows to mark in flight.
_STEP = """
local n = tonumber(ARGV[3])
for i = 0, n - 1 do redis.call('HSET', KEYS[2], ARGV[4 + 2 * i], ARGV[5 + 2 * i]) end
if redis.call('EXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
for i = 4 + 2 * n, #ARGV do redis.call('HSET', KEYS[2], ARGV[i], 'inflight') end
redis.call('EXPIRE', KEYS[2], ARGV[2])
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
    code: str = ""  # the provider's or transport's error code

    def dumps(self) -> str:
        return json.dumps(self.__dict__)

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

    def step(self, inflight: list[int], done: list[tuple[int, Outcome]]) -> bool:
        """One round trip: record ``done``'s outcomes, then mark ``inflight`` rows in flight if
        the batch is still ours. False: the heartbeat is gone (the worker was presumed dead):
        send nothing more."""
        args: list = [self.ttl, JOURNAL_TTL, len(done)]
        for row, outcome in done:
            args += [row, outcome.dumps()]
        args += inflight
        keys = [heartbeat_key(self.token), journal_key(self.token)]
        return bool(self._step(keys=keys, args=args))

    def close(self) -> None:
        self.redis.delete(heartbeat_key(self.token), journal_key(self.token))


def alive(token: str) -> bool:
    return bool(redis_client().exists(heartbeat_key(token)))


def read(token: str) -> dict[int, Outcome | None]:
    """Every row the batch marked: its outcome, or None when it was in flight."""
    raw = redis_client().hgetall(journal_key(token))
    return {
        int(k): None if v.decode() == INFLIGHT else Outcome.loads(v.decode())
        for k, v in raw.items()
    }


def forget(token: str) -> None:
    redis_client().delete(journal_key(token))
