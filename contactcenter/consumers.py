"""Websocket consumers only forward events; they hold no business logic."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from contactcenter.events import user_group


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """One socket per browser tab: receives the events of the signed-in user."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.groups_joined = [user_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"kind": "hello", "payload": {"user": user.username}})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def event_forward(self, message: dict[str, Any]) -> None:
        await self.send_json({"kind": message["kind"], "payload": message["payload"]})
