"""How often and when a temporary send error is tried again: one policy for every path that
sends (the dialer's rows, conversations' replies). A permanent error is never retried."""

from __future__ import annotations

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (10, 30, 120, 600)


def retry_in(attempts: int) -> int:
    """Seconds to wait before the next try of a message tried ``attempts`` times (≥ 1)."""
    return BACKOFF_SECONDS[min(max(attempts, 1) - 1, len(BACKOFF_SECONDS) - 1)]


def exhausted(attempts: int) -> bool:
    """No try left after ``attempts`` tries."""
    return attempts >= MAX_ATTEMPTS
