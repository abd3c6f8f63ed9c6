"""Which dialers should be sending now, and how many batch tasks each may have in flight."""

from __future__ import annotations

from django.conf import settings

from contactcenter.redis_client import redis_client
from dialer.counters import counts
from dialer.models import Dialer
from dialer.sending import may_send
from dialer.states import SpoolState

SLOT_TTL = 120  # seconds: a slot of a worker that died frees itself


def _slots_key(dialer_id: int) -> str:
    return f"cc:dialer:slots:{dialer_id}"


def take_slot(dialer_id: int) -> bool:
    """Reserve one of the dialer's parallel batch slots (DIALER_PARALLEL_BATCHES)."""
    client = redis_client()
    key = _slots_key(dialer_id)
    taken = client.incr(key)
    client.expire(key, SLOT_TTL)
    if taken > settings.DIALER_PARALLEL_BATCHES:
        client.decr(key)
        return False
    return True


def release_slot(dialer_id: int) -> None:
    client = redis_client()
    if client.decr(_slots_key(dialer_id)) < 0:
        client.set(_slots_key(dialer_id), 0, ex=SLOT_TTL)


def refresh_slot(dialer_id: int) -> None:
    redis_client().expire(_slots_key(dialer_id), SLOT_TTL)


def dialers_to_run() -> list[Dialer]:
    dialers = Dialer.objects.filter(running=True, enabled=True).select_related("provider")
    return [d for d in dialers if counts(d.campaign_id)[SpoolState.TO_PROCESS] and may_send(d)]
