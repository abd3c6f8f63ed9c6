"""The crash journal of a claimed batch, in Redis.

Before a row is handed to the provider it is marked ``inflight``; once the provider answered, its
outcome replaces the mark. A worker holds its batch with a heartbeat key that it can only
extend, never recreate: once the heartbeat has expired (the worker is presumed dead) the worker
can no longer mark rows, so recovery and a late worker never both decide a row's fate.

The journal is opened with a sentinel field (``opened``) before any row is claimed. A journal
without it means the evidence is gone (Redis restarted without persistence, was flushed, or
evicted the key): recovery then cannot tell rows never handed to the provider from rows in
flight, and reports every claimed row without a recorded outcome as "fate unknown" rather than
sending it again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from redis.exceptions import NoScriptError

from contactcenter.redis_client import redis_client

JOURNAL_TTL = 7 * 24 * 3600
INFLIGHT = "inflight"
OPENED = "opened"  # the sentinel field: present from before the first claim to the end

# KEYS: heartbeat, journal. ARGV: heartbeat ttl, journal ttl, number of outcomes n, then n
# (row, outcome) pairs, then the rows to mark in flight.
# Fields are written CHUNK at a time (one HSET each: fewer calls than one per field, and far
# below Lua's limit on unpacked values).
_STEP = """
local n = tonumber(ARGV[3])
local last = 3 + 2 * n
for first = 4, last, 2 * CHUNK do
    redis.call('HSET', KEYS[2], unpack(ARGV, first, math.min(first + 2 * CHUNK - 1, last)))
end
if redis.call('EXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
local marks = {}
for i = last + 1, #ARGV do
    marks[#marks + 1] = ARGV[i]
    marks[#marks + 1] = 'inflight'
    if #marks == 2 * CHUNK or i == #ARGV then
        redis.call('HSET', KEYS[2], unpack(marks))
        marks = {}
    end
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
""".replace("CHUNK", "500")
_STEP_SHA = hashlib.sha1(_STEP.encode()).hexdigest()  # noqa: S324 (Redis names scripts so)


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
        self.keys = [heartbeat_key(token), journal_key(token)]
        self.redis = redis_client()

    def open(self) -> None:
        """Start the heartbeat and the journal (with its sentinel) together, before claiming."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(heartbeat_key(self.token), "1", ex=self.ttl)
        pipe.hset(journal_key(self.token), OPENED, "1")
        pipe.expire(journal_key(self.token), JOURNAL_TTL)
        pipe.execute()

    def step(self, inflight: list[int], done: list[tuple[int, Outcome]]) -> bool:
        """One round trip: record ``done``'s outcomes, then mark ``inflight`` rows in flight if
        the batch is still ours. False: the heartbeat is gone (the worker was presumed dead):
        send nothing more."""
        args: list = [self.ttl, JOURNAL_TTL, len(done)]
        for row, outcome in done:
            args += (row, outcome.dumps())
        args += inflight
        try:  # EVALSHA itself: redis-py's Script wrapper costs CPU on every call
            return bool(self.redis.evalsha(_STEP_SHA, 2, *self.keys, *args))
        except NoScriptError:  # a Redis that has not seen the script yet (or restarted)
            self.redis.script_load(_STEP)
            return bool(self.redis.evalsha(_STEP_SHA, 2, *self.keys, *args))

    def close(self) -> None:
        self.redis.delete(heartbeat_key(self.token), journal_key(self.token))


def alive(token: str) -> bool:
    return bool(redis_client().exists(heartbeat_key(token)))


@dataclass
class Evidence:
    """What the journal of a batch still says. ``complete`` is False when the journal lost its
    sentinel: rows it does not name may have been in flight."""

    complete: bool
    marked: dict[int, Outcome | None]  # row: its outcome, or None when it was in flight


def read(token: str) -> Evidence:
    raw = {k.decode(): v.decode() for k, v in redis_client().hgetall(journal_key(token)).items()}
    complete = raw.pop(OPENED, None) is not None
    marked = {int(k): None if v == INFLIGHT else Outcome.loads(v) for k, v in raw.items()}
    return Evidence(complete, marked)


def forget(token: str) -> None:
    redis_client().delete(journal_key(token))
