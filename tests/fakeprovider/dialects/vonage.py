from __future__ import annotations

import base64
import secrets

from vonage import Auth

from providers.encoding import choose_encoding, split_parts
from tests.fakeprovider.dialects.webhook import Webhook
from tests.fakeprovider.server import RecordedRequest, Reply


class VonageDialect:
    name = "vonage"

    def __init__(self, api_key: str, api_secret: str, signature_secret: str = "") -> None:
        self.api_key, self.api_secret, self.signature_secret = api_key, api_secret, signature_secret

    def matches(self, request: RecordedRequest) -> bool:
        return request.path == "/sms/json"

    def answer(self, request: RecordedRequest, server: object) -> Reply:
        form = {k: v[0] for k, v in request.form().items()}
        expected = (
            "Basic " + base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
        )
        if request.header("Authorization") != expected:
            return Reply(200, {"message-count": "1", "messages": [
                {"status": "4", "error-text": "Bad Credentials"}]})  # fmt: skip
        if not form.get("to", "").isdigit():
            return Reply(200, {"message-count": "1", "messages": [
                {"status": "3", "error-text": "Invalid to address"}]})  # fmt: skip
        parts = split_parts(form.get("text", ""), choose_encoding(form.get("text", "")))
        return Reply(200, {"message-count": str(len(parts)), "messages": [
            {"to": form["to"], "message-id": secrets.token_hex(8).upper(), "status": "0",
             "remaining-balance": "10.0", "message-price": "0.05", "network": "74801"}
            for _ in parts]})  # fmt: skip

    def _signed(self, params: dict[str, str]) -> dict[str, str]:
        if not self.signature_secret:
            return params
        auth = Auth(api_key=self.api_key, signature_secret=self.signature_secret,
                    signature_method="sha256")  # fmt: skip
        signed = dict(params)
        signed["sig"] = auth.sign_params(signed)  # adds 'timestamp' first, as Vonage does
        return signed

    def inbound(self, url: str, sender: str, to: str, text: str, message_id: str | None = None,
                concat: tuple[str, int, int] | None = None) -> Webhook:  # fmt: skip
        params = {"msisdn": sender, "to": to, "messageId": message_id or secrets.token_hex(8),
                  "text": text, "type": "text", "keyword": text.split(" ")[0].upper(),
                  "message-timestamp": "2026-11-25 10:00:00", "api-key": self.api_key}  # fmt: skip
        if concat:
            params.update({"concat": "true", "concat-ref": concat[0],
                           "concat-total": str(concat[1]), "concat-part": str(concat[2])})  # fmt: skip
        return Webhook.form(url, self._signed(params))

    def status(self, url: str, message_id: str, status: str, err_code: str = "0") -> Webhook:
        params = {"msisdn": "59899000000", "to": "Acme", "network-code": "74801",
                  "messageId": message_id, "price": "0.05", "status": status, "scts": "2611251000",
                  "err-code": err_code, "message-timestamp": "2026-11-25 10:00:05",
                  "api-key": self.api_key}  # fmt: skip
        return Webhook.form(url, self._signed(params))
