"""Ending every login of a user at once (deactivated, role changed, password reset, taken out of
a campaign): their sessions are deleted, their sockets closed after commit, and higher apps are
told through ``access_ended`` (conversations signs an agent out and requeues what they held).

Sessions live in the database (Django's default engine). Django keeps no index of sessions by
user, so the live ones are read and decoded: a few thousand rows at most (one per sign-in for
SESSION_COOKIE_AGE, 12 hours by default), a few milliseconds, and only when an admin acts.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.dispatch import Signal
from django.utils import timezone

from contactcenter.events import end_sockets

# Sent inside the caller's transaction with ``user_id`` and ``reason`` (at most 12 characters:
# it is written on the released assignments).
access_ended = Signal()


def session_keys_of(user_id: int) -> list[str]:
    """The keys of the user's unexpired sessions."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).only(
        "session_key", "session_data"
    )
    return [
        session.session_key
        for session in live.iterator(chunk_size=500)
        if str(session.get_decoded().get(SESSION_KEY)) == str(user_id)
    ]


def end_access(user_id: int, *, reason: str) -> int:
    """Log the user out everywhere now: sessions deleted, every socket of theirs closed after
    commit (their pages reconnect, are refused and go to the login page), and ``access_ended``
    sent. Returns how many sessions ended."""
    ended, _count = Session.objects.filter(session_key__in=session_keys_of(user_id)).delete()
    end_sockets(user_id)
    access_ended.send(sender=Session, user_id=user_id, reason=reason)
    return ended
