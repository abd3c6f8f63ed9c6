"""A real websocket client on the live ASGI server's ``/ws/events/``, signed in as a user."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from accounts.models import User
from contactcenter.events import publish_now, user_group


class EventSocket:
    """One browser tab's socket: logged in (a real session), reads the events it is sent."""

    def __init__(self, live_url: str, user: User) -> None:
        self.user = user
        self.browser = Client()
        self.browser.force_login(user)  # a session row, and the login signal, as a real login
        self.session_key = self.browser.cookies[settings.SESSION_COOKIE_NAME].value
        self.stack = ExitStack()
        self.ws = self.stack.enter_context(
            connect(
                live_url.replace("http://", "ws://") + "/ws/events/",
                origin=live_url,
                additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session_key}"},
                proxy=None,
            )
        )
        self.received: list[dict[str, Any]] = []
        assert self.next()["kind"] == "hello"

    def next(self, timeout: float = 10) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=timeout))

    def send(self, content: dict[str, Any]) -> None:
        self.ws.send(json.dumps(content))

    def until(self, done: Callable[[dict[str, Any]], bool], timeout: float = 15) -> list[dict]:
        """Read events (kept in ``received``) until one satisfies ``done``; returns them all."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(timeout=max(0.1, deadline - time.monotonic()))
            self.received.append(event)
            if done(event):
                return self.received

    def everything_so_far(self) -> list[dict[str, Any]]:
        """Every event sent to this socket before now: a marker is sent to the user's group
        after everything the test did (events reach one socket in the order they were sent)
        and the socket is read up to it."""
        marker = uuid.uuid4().hex
        publish_now(user_group(self.user.pk), "test.marker", {"marker": marker})
        self.until(lambda e: e["kind"] == "test.marker" and e["payload"]["marker"] == marker)
        return [e for e in self.received if e["kind"] != "test.marker"]

    def closed_code(self, timeout: float = 10) -> int | None:
        """Wait for the server to close the socket; its close code."""
        try:
            while True:
                self.received.append(self.next(timeout=timeout))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    def close(self) -> None:
        self.stack.close()
