"""Websocket consumers only forward events and report presence; they hold no business logic."""

from __future__ import annotations

import asyncio
import logging
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from contactcenter.events import campaign_group, queue_group, user_group

logger = logging.getLogger("contactcenter.consumers")


@database_sync_to_async
def campaign_group_for(user: Any, campaign_id: Any) -> str | None:
    from campaigns.selectors import campaigns_for

    if not isinstance(campaign_id, int) or not campaigns_for(user).filter(pk=campaign_id).exists():
        return None
    return campaign_group(campaign_id)


@database_sync_to_async
def queue_groups_of(agent: Any) -> list[str]:
    """The queue-length groups of the campaigns the agent is a member of."""
    from campaigns.models import CampaignMember

    ids = CampaignMember.objects.filter(agent=agent).values_list("campaign_id", flat=True)
    return [queue_group(c) for c in sorted(ids)]


@database_sync_to_async
def agent_seen(agent: Any) -> None:
    from conversations.presence import seen

    seen(agent)


@database_sync_to_async
def session_alive(session_key: str | None, user_id: int) -> bool:
    """The socket's login still stands (not logged out, not expired)."""
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return str(store.get(SESSION_KEY)) == str(user_id)


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """One socket per browser tab: receives the events of the signed-in user.

    An agent's open socket is also their presence (SPEC §3a): on connect they are seen (signed
    in again after a lapse), and while it stays open a loop in this web process refreshes
    ``last_seen_at`` every AGENT_PRESENCE_HEARTBEAT seconds. When the socket closes, or the web
    process dies, the refreshes stop and ``conversations.tasks.tick`` disconnects the agent once
    AGENT_PRESENCE_GRACE has passed (a page reload reconnects well within it)."""

    groups_joined: list[str]
    heartbeat: asyncio.Task | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.groups_joined = [user_group(user.pk)]
        if user.is_agent:
            self.groups_joined += await queue_groups_of(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        if user.is_agent:
            await agent_seen(user)
            self.heartbeat = asyncio.create_task(self.keep_present(user))
        await self.send_json({"kind": "hello", "payload": {"user": user.username}})

    def session_key(self) -> str | None:
        session = self.scope.get("session")
        return session.session_key if session is not None else None

    async def keep_present(self, agent: Any) -> None:
        """Refresh the agent's presence while the socket is open; a socket whose login ended
        (logged out in another tab, expired) is closed instead."""
        while True:
            await asyncio.sleep(settings.AGENT_PRESENCE_HEARTBEAT)
            try:
                if not await session_alive(self.session_key(), agent.pk):
                    await self.close(code=4401)
                    return
                await agent_seen(agent)
            except Exception:  # the database away for a moment: try again at the next beat
                logger.exception("presence heartbeat failed", extra={"agent": agent.pk})

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
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def event_forward(self, message: dict[str, Any]) -> None:
        await self.send_json({"kind": message["kind"], "payload": message["payload"]})

    async def session_ended(self, message: dict[str, Any]) -> None:
        """The user logged out (this session) or was logged out (every session)."""
        if message.get("session") in (None, self.session_key()):
            await self.close(code=4401)
