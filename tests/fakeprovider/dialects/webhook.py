"""A webhook call the fake provider makes to the portal, over real HTTP."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit


@dataclass
class Webhook:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def form(
        cls, url: str, params: dict[str, str], headers: dict[str, str] | None = None
    ) -> Webhook:
        return cls("POST", url, {"Content-Type": "application/x-www-form-urlencoded",
                                 **(headers or {})}, urlencode(params).encode())  # fmt: skip

    @classmethod
    def json(cls, url: str, data: object, headers: dict[str, str] | None = None) -> Webhook:
        return cls("POST", url, {"Content-Type": "application/json", **(headers or {})},
                   json.dumps(data).encode())  # fmt: skip

    def deliver(self, timeout: float = 10) -> tuple[int, bytes]:
        split = urlsplit(self.url)
        conn = http.client.HTTPConnection(split.hostname, split.port, timeout=timeout)
        path = split.path + (f"?{split.query}" if split.query else "")
        conn.request(self.method, path, body=self.body or None, headers=self.headers)
        response = conn.getresponse()
        return response.status, response.read()
