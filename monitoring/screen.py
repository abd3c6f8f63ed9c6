"""Who is watching an agent's screen (Monitor screen): a Redis set per agent of the watching
sockets' channel names, shared by every web process. The agent's page mirrors its inbox only
while the set is not empty, and shows a discreet indicator then."""

from __future__ import annotations

from contactcenter.events import publish_now, user_group
from contactcenter.redis_client import redis_client

# A watcher whose web process died without cleaning up stays at most this long.
WATCH_TTL_SECONDS = 6 * 3600


def screen_group(agent_id: int) -> str:
    """The watching supervisors' sockets of one agent."""
    return f"screen.{agent_id}"


def _key(agent_id: int) -> str:
    return f"cc:screen-watchers:{agent_id}"


def watchers(agent_id: int) -> int:
    return int(redis_client().scard(_key(agent_id)))


def watch(agent_id: int, channel: str) -> int:
    pipe = redis_client().pipeline()
    pipe.sadd(_key(agent_id), channel)
    pipe.expire(_key(agent_id), WATCH_TTL_SECONDS)
    pipe.scard(_key(agent_id))
    count = int(pipe.execute()[-1])
    tell_agent(agent_id, count)
    return count


def unwatch(agent_id: int, channel: str) -> int:
    pipe = redis_client().pipeline()
    pipe.srem(_key(agent_id), channel)
    pipe.scard(_key(agent_id))
    count = int(pipe.execute()[-1])
    tell_agent(agent_id, count)
    return count


def tell_agent(agent_id: int, count: int) -> None:
    publish_now(user_group(agent_id), "supervision.watch", {"watched": count > 0})
