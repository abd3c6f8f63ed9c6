from __future__ import annotations

import base64
import re
import secrets

from twilio.request_validator import RequestValidator

from tests.fakeprovider.dialects.webhook import Webhook
from tests.fakeprovider.server import RecordedRequest, Reply

PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


def twilio_error(status: int, code: int, message: str) -> Reply:
    return Reply(status, {"code": code, "message": message, "status": status,
                          "more_info": f"https://www.twilio.com/docs/errors/{code}"})  # fmt: skip


class TwilioDialect:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token

    def matches(self, request: RecordedRequest) -> bool:
        return bool(PATH.match(request.path))

    def answer(self, request: RecordedRequest, server: object) -> Reply:
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        if request.header("Authorization") != expected:
            return twilio_error(401, 20003, "Authenticate")
        form = {k: v[0] for k, v in request.form().items()}
        if not form.get("To", "").removeprefix("whatsapp:").startswith("+"):
            return twilio_error(
                400, 21211, f"The 'To' number {form.get('To')} is not a valid phone number."
            )
        return Reply(201, {"sid": "SM" + secrets.token_hex(16), "status": "queued",
                           "num_segments": "1", "to": form["To"], "from": form.get("From"),
                           "body": form.get("Body")})  # fmt: skip

    # webhooks signed with X-Twilio-Signature ------------------------------------------------
    def signed(self, url: str, params: dict[str, str], token: str | None = None) -> Webhook:
        signature = RequestValidator(token or self.auth_token).compute_signature(url, params)
        return Webhook.form(url, params, {"X-Twilio-Signature": signature})

    def inbound(self, url: str, sender: str, to: str, body: str, sid: str | None = None) -> Webhook:
        params = {"MessageSid": sid or "SM" + secrets.token_hex(16), "AccountSid": self.account_sid,
                  "From": sender, "To": to, "Body": body, "NumSegments": "1", "NumMedia": "0"}  # fmt: skip
        return self.signed(url, params)

    def status(self, url: str, sid: str, status: str, error_code: str = "") -> Webhook:
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": self.account_sid}
        if error_code:
            params["ErrorCode"] = error_code
        return self.signed(url, params)
