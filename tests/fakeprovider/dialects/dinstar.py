from __future__ import annotations

import base64
import hashlib
import re
import secrets

from tests.fakeprovider.dialects.webhook import Webhook
from tests.fakeprovider.server import RecordedRequest, Reply

REALM = "Web Server"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324  (HTTP Digest is MD5 by definition)


class DinstarDialect:
    """The gateway's /api/send_sms, behind HTTP Digest (or Basic) authentication."""

    name = "dinstar"

    def __init__(self, user: str, password: str, scheme: str = "digest") -> None:
        self.user, self.password, self.scheme = user, password, scheme
        self.nonce = secrets.token_hex(8)

    def matches(self, request: RecordedRequest) -> bool:
        return request.path.startswith("/api/")

    def _authorised(self, request: RecordedRequest) -> bool:
        header = request.header("Authorization") or ""
        if self.scheme == "basic":
            return (
                header
                == "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            )
        if not header.startswith("Digest "):
            return False
        fields = dict(re.findall(r'(\w+)="?([^",]+)"?', header))
        ha1 = _md5(f"{self.user}:{REALM}:{self.password}")
        ha2 = _md5(f"{request.method}:{fields.get('uri')}")
        expected = _md5(f"{ha1}:{fields.get('nonce')}:{fields.get('nc')}:{fields.get('cnonce')}:"
                        f"{fields.get('qop')}:{ha2}")  # fmt: skip
        return fields.get("username") == self.user and fields.get("response") == expected

    def answer(self, request: RecordedRequest, server: object) -> Reply:
        if not self._authorised(request):
            challenge = (f'Digest realm="{REALM}", qop="auth", nonce="{self.nonce}"'
                         if self.scheme == "digest" else f'Basic realm="{REALM}"')  # fmt: skip
            return Reply(401, "Unauthorized", {"WWW-Authenticate": challenge})
        body = request.json()
        if not body.get("param") or not body.get("text"):
            return Reply(200, {"error_code": 400, "sn": "fake-sn"})
        return Reply(200, {"error_code": 202, "sn": "fake-sn", "sms_in_queue": len(body["param"]),
                           "task_id": secrets.randbelow(10_000)})  # fmt: skip

    def inbound(self, url: str, sender: str, port: int, text: str, incoming_id: int) -> Webhook:
        return Webhook.json(url, {"sn": "fake-sn", "sms": [
            {"incoming_sms_id": incoming_id, "port": port, "number": sender, "smsc": "+598990000",
             "timestamp": "2026-11-25 10:00:00", "text": text}]})  # fmt: skip

    def status(self, url: str, user_id: int, status: str) -> Webhook:
        return Webhook.json(url, {"sn": "fake-sn", "sms_result": [
            {"port": 0, "number": "099000000", "time": "2026-11-25 10:00:05", "status": status,
             "count": 1, "succ_count": 1, "ref_id": 7, "user_id": user_id}]})  # fmt: skip
