from __future__ import annotations

from tests.fakeprovider.dialects.webhook import Webhook
from tests.fakeprovider.server import RecordedRequest, Reply


class CMDialect:
    name = "cm"

    def __init__(self, product_token: str) -> None:
        self.product_token = product_token

    def matches(self, request: RecordedRequest) -> bool:
        return request.path == "/v1.0/message"

    def answer(self, request: RecordedRequest, server: object) -> Reply:
        body = request.json()
        token = body["messages"]["authentication"].get("productToken")
        if token != self.product_token or request.header("X-CM-PRODUCTTOKEN") != self.product_token:
            return Reply(400, {"details": "No account found for the given authentication",
                               "errorCode": 101, "messages": []})  # fmt: skip
        results = []
        for msg in body["messages"]["msg"]:
            for to in msg["to"]:
                ok = to["number"].startswith("00")
                results.append({"to": to["number"], "status": "Accepted" if ok else "Rejected",
                                "reference": msg.get("reference"), "parts": 1,
                                "messageDetails": None if ok else "Gsm '{0}' is not a number.",
                                "messageErrorCode": 0 if ok else 303})  # fmt: skip
        if all(r["status"] == "Rejected" for r in results):
            return Reply(
                400, {"details": "Created 0 message(s)", "errorCode": 201, "messages": results}
            )
        return Reply(200, {"details": f"Created {len(results)} message(s)", "errorCode": 0,
                           "messages": results})  # fmt: skip

    def status(self, url: str, reference: str, code: str) -> Webhook:
        return Webhook.json(url, {"messages": {"msg": {
            "received": "2026-11-25T10:00:05", "to": "0059899000000", "reference": reference,
            "status": {"code": code, "errorCode": "", "errorDescription": ""}, "operator": "74801"}}})  # fmt: skip

    def inbound(self, url: str, sender: str, to: str, text: str, reference: str) -> Webhook:
        return Webhook.json(url, {"reference": reference, "from": {"number": sender},
                                  "to": {"number": to}, "message": {"text": text},
                                  "groupings": ["", "", ""], "timeUtc": "2026-11-25T10:00:00",
                                  "channel": "SMS"})  # fmt: skip
