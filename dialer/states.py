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


# How rows move (the SQL of dialer/claims.py and dialer/recovery.py does it, nothing else):
# held (NONE) -> TO_PROCESS -> SENDING when a batch claims it -> SENT, BLOCKED, OTHER or FAILED
# (final), or back to TO_PROCESS when it was never handed over or a temporary error is retried.
S = SpoolState
UNPROCESSED = frozenset({S.NONE, S.TO_PROCESS})


class SpoolKind(models.TextChoices):
    """What queued a spool row; the message it becomes once sent has this ``bot_kind``."""

    DIALER = "dialer", _("Dialer message")
    SENDSMS = "sendsms", _("SendSMS message")
