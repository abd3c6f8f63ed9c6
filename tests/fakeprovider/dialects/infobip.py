from __future__ import annotations

import secrets

from tests.fakeprovider.dialects.webhook import Webhook
from tests.fakeprovider.server import RecordedRequest, Reply


class InfobipDialect:
    name = "infobip"

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key

    def matches(self, request: RecordedRequest) -> bool:
        return request.path == "/sms/3/messages"

    def answer(self, request: RecordedRequest, server: object) -> Reply:
        if request.header("Authorization") != f"App {self.api_key}":
            return Reply(401, {"errorCode": "E401", "description": "Invalid login details",
                               "action": "Check the API key.", "violations": []})  # fmt: skip
        body = request.json()
        results = []
        for message in body["messages"]:
            for destination in message["destinations"]:
                if not destination["to"].isdigit():
                    results.append({"messageId": secrets.token_hex(10), "destination": destination["to"],
                                    "status": {"groupId": 5, "groupName": "REJECTED", "id": 51,
                                               "name": "MISSING_TO",
                                               "description": "Missing destination."}})  # fmt: skip
                    continue
                results.append({"messageId": secrets.token_hex(10), "destination": destination["to"],
                                "status": {"groupId": 1, "groupName": "PENDING", "id": 26,
                                           "name": "PENDING_ACCEPTED",
                                           "description": "Message sent to next instance"}})  # fmt: skip
        return Reply(200, {"bulkId": secrets.token_hex(8), "messages": results})

    def inbound(
        self, url: str, sender: str, to: str, text: str, message_id: str | None = None
    ) -> Webhook:
        return Webhook.json(url, {"results": [{"messageId": message_id or secrets.token_hex(10),
                                               "from": sender, "to": to, "text": text,
                                               "cleanText": text, "keyword": "",
                                               "receivedAt": "2026-11-25T10:00:00.000+0000",
                                               "smsCount": 1}],
                                  "messageCount": 1, "pendingMessageCount": 0})  # fmt: skip

    def status(self, url: str, message_id: str, group: str) -> Webhook:
        return Webhook.json(url, {"results": [{"messageId": message_id, "to": "59899000000",
                                               "status": {"groupName": group, "name": group},
                                               "error": {"id": 0, "name": "NO_ERROR",
                                                         "permanent": False}}]})  # fmt: skip
