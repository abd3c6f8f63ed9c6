"""Ending every login of a user at once (deactivated, role changed, password reset, taken out of
a campaign): their sessions are deleted, their sockets closed after commit, and higher apps are
told through ``access_ended`` (conversations signs an agent out and requeues what they held).

Django's session table has no user column, so each sign-in records its session key in
``UserSession`` (``remember_session``); ending a user's logins deletes those sessions by key:
a few rows, whatever the number of sessions on the site (decoding every live session instead
took 1 to 9 s at 5,000 to 20,000 sessions on the shared test machine: bench_agents_config).
Sessions opened before this index existed are not in it; they end on their own
(SESSION_COOKIE_AGE), and a deactivated user or a changed password is refused by Django on
their next request anyway.
"""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import User, UserSession
from contactcenter.events import end_sockets

# Sent inside the caller's transaction with ``user_id`` and ``reason`` (at most 12 characters:
# it is written on the released assignments).
access_ended = Signal()


def remember_session(user: User, session_key: str | None) -> None:
    """Index a new login's session under its user, forgetting the user's sessions that ended
    meanwhile (expired or deleted), so the index stays as small as the live sessions."""
    if not session_key:
        return
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    UserSession.objects.filter(user=user).exclude(session_key__in=live).delete()
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def forget_session(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def session_keys_of(user_id: int) -> list[str]:
    return list(UserSession.objects.filter(user_id=user_id).values_list("session_key", flat=True))


def end_access(user_id: int, *, reason: str) -> int:
    """Log the user out everywhere now: sessions deleted, every socket of theirs closed after
    commit (their pages reconnect, are refused and go to the login page), and ``access_ended``
    sent. Returns how many sessions ended."""
    keys = session_keys_of(user_id)
    ended, _count = Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user_id=user_id).delete()
    end_sockets(user_id)
    access_ended.send(sender=User, user_id=user_id, reason=reason)
    return ended
