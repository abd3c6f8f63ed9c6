"""Spool row states. 0, 1 and 3 are the manual's codes and keep their numbers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SpoolState(models.IntegerChoices):
    NONE = 0, _("Held")
    TO_PROCESS = 1, _("To process")
    SENT = 2, _("Sent")
    BLOCKED = 3, _("Blocked (DNCR)")
    OTHER = 4, _("Other (incorrect number format)")
    FAILED = 5, _("Failed")
    SENDING = 6, _("Sending")


S = SpoolState
ALLOWED_TRANSITIONS: dict[int, frozenset[int]] = {
    S.NONE: frozenset({S.TO_PROCESS}),
    S.TO_PROCESS: frozenset({S.SENDING, S.NONE}),
    # A claimed row ends sent, blocked, other or failed; back to TO_PROCESS when it was never
    # handed to the provider (or a temporary error will be retried).
    S.SENDING: frozenset({S.SENT, S.BLOCKED, S.OTHER, S.FAILED, S.TO_PROCESS}),
    S.SENT: frozenset(),
    S.BLOCKED: frozenset(),
    S.OTHER: frozenset(),
    S.FAILED: frozenset(),
}
FINAL = frozenset({S.SENT, S.BLOCKED, S.OTHER, S.FAILED})
UNPROCESSED = frozenset({S.NONE, S.TO_PROCESS})


def can_change(current: int, new: int) -> bool:
    return new in ALLOWED_TRANSITIONS[current]
