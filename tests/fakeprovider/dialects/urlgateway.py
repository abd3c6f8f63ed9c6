from __future__ import annotations

import base64

from tests.fakeprovider.server import RecordedRequest, Reply


class URLGatewayDialect:
    """A typical generic SMS gateway: GET or POST on known paths, optional Basic auth, answers
    'OK id=<n>' (or JSON with an id when the request was JSON); unknown paths get 404."""

    name = "url-gateway"

    def __init__(
        self, paths: tuple[str, ...] = ("/send", "/qsend"), user: str = "", password: str = ""
    ) -> None:
        self.paths, self.user, self.password = paths, user, password

    def matches(self, request: RecordedRequest) -> bool:
        return True

    def answer(self, request: RecordedRequest, server) -> Reply:
        if request.path not in self.paths:
            return Reply(404, {"error": f"no route {request.path}"})
        if self.user:
            expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if request.header("Authorization") != expected:
                return Reply(401, {"error": "bad credentials"})
        message_id = server.next_id("gw")
        if request.header("Content-Type") == "application/json":
            return Reply(200, {"id": message_id, "status": "queued"})
        return Reply(200, f"OK id={message_id}")
