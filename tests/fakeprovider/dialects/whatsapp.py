from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets

from tests.fakeprovider.dialects.webhook import Webhook
from tests.fakeprovider.server import RecordedRequest, Reply

PATH = re.compile(r"^/v[\d.]+/(?P<phone>\w+)/messages$")


class WhatsAppCloudDialect:
    name = "whatsapp-cloud"

    def __init__(self, access_token: str, app_secret: str = "") -> None:
        self.access_token, self.app_secret = access_token, app_secret

    def matches(self, request: RecordedRequest) -> bool:
        return bool(PATH.match(request.path))

    def answer(self, request: RecordedRequest, server: object) -> Reply:
        if request.header("Authorization") != f"Bearer {self.access_token}":
            return Reply(401, {"error": {"message": "Invalid OAuth access token.",
                                         "type": "OAuthException", "code": 190,
                                         "fbtrace_id": "Afake"}})  # fmt: skip
        body = request.json()
        if not body.get("to", "").isdigit():
            return Reply(400, {"error": {"message": "(#100) Invalid parameter",
                                         "type": "OAuthException", "code": 100,
                                         "fbtrace_id": "Afake"}})  # fmt: skip
        return Reply(200, {"messaging_product": "whatsapp",
                           "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                           "messages": [{"id": "wamid." + secrets.token_hex(12)}]})  # fmt: skip

    def _signed(self, url: str, data: dict) -> Webhook:
        body = json.dumps(data).encode()
        headers = {"Content-Type": "application/json"}
        if self.app_secret:
            digest = hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature-256"] = f"sha256={digest}"
        return Webhook("POST", url, headers, body)

    @staticmethod
    def _envelope(value: dict) -> dict:
        return {"object": "whatsapp_business_account", "entry": [
            {"id": "WABA1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001111", "phone_number_id": "PN1"},
                **value}}]}]}  # fmt: skip

    def inbound(self, url: str, sender: str, text: str, message_id: str | None = None) -> Webhook:
        return self._signed(url, self._envelope({
            "contacts": [{"profile": {"name": "Customer"}, "wa_id": sender}],
            "messages": [{"from": sender, "id": message_id or "wamid." + secrets.token_hex(12),
                          "timestamp": "1764064800", "type": "text", "text": {"body": text}}]}))  # fmt: skip

    def status(self, url: str, message_id: str, status: str) -> Webhook:
        item = {"id": message_id, "status": status, "timestamp": "1764064805",
                "recipient_id": "59899000000"}  # fmt: skip
        if status == "failed":
            item["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
        return self._signed(url, self._envelope({"statuses": [item]}))
