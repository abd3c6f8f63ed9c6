"""Agent states and the transitions allowed between them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgentState(models.TextChoices):
    DISCONNECTED = "disconnected", _("Disconnected")
    FREE = "free", _("Free")
    BUSY = "busy", _("Busy")
    FREE_ON_BREAK = "free_on_break", _("Free, on break")
    BUSY_ON_BREAK = "busy_on_break", _("Busy, on break")


_S = AgentState
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.DISCONNECTED: frozenset({_S.FREE, _S.FREE_ON_BREAK}),
    _S.FREE: frozenset({_S.BUSY, _S.FREE_ON_BREAK, _S.DISCONNECTED}),
    _S.BUSY: frozenset({_S.FREE, _S.BUSY_ON_BREAK, _S.DISCONNECTED}),
    _S.FREE_ON_BREAK: frozenset({_S.FREE, _S.BUSY_ON_BREAK, _S.DISCONNECTED}),
    _S.BUSY_ON_BREAK: frozenset({_S.BUSY, _S.FREE_ON_BREAK, _S.DISCONNECTED}),
}


def can_change(current: str, new: str) -> bool:
    return new in ALLOWED_TRANSITIONS[current]
