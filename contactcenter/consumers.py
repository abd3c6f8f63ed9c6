"""Websocket consumers only forward events; they hold no business logic."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from contactcenter.events import campaign_group, user_group


@database_sync_to_async
def campaign_group_for(user: Any, campaign_id: Any) -> str | None:
    from campaigns.selectors import campaigns_for

    if not isinstance(campaign_id, int) or not campaigns_for(user).filter(pk=campaign_id).exists():
        return None
    return campaign_group(campaign_id)


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

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        """``{"subscribe": "campaign", "id": N}``: follow a campaign the user may see."""
        if content.get("subscribe") != "campaign":
            return
        group = await campaign_group_for(self.scope["user"], content.get("id"))
        if group is None:
            await self.send_json({"kind": "error", "payload": {"detail": "No such campaign."}})
            return
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)
        await self.send_json({"kind": "subscribed", "payload": {"group": group}})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def event_forward(self, message: dict[str, Any]) -> None:
        await self.send_json({"kind": message["kind"], "payload": message["payload"]})
