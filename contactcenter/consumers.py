"""Websocket consumers only forward events and report presence; they hold no business logic."""

from __future__ import annotations

import asyncio
import logging
import time
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from contactcenter.events import QUEUE_PREFIX, campaign_group, queue_group, user_group

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
def watchable_agent(user: Any, agent_id: Any) -> int | None:
    """The agent's id when the user may watch their screen (their group's agent, with screen
    monitoring on), else None."""
    from django.http import Http404

    from monitoring.selectors import agent_for_user

    if user.is_agent or not isinstance(agent_id, int):
        return None
    try:
        agent = agent_for_user(user=user, pk=agent_id)
    except Http404:
        return None
    return agent.pk if agent.screen_monitoring else None


@database_sync_to_async
def screen_watch(agent_id: int, channel: str, *, on: bool) -> int:
    from monitoring import screen

    return screen.watch(agent_id, channel) if on else screen.unwatch(agent_id, channel)


@database_sync_to_async
def screen_watchers(agent_id: int) -> int:
    from monitoring.screen import watchers

    return watchers(agent_id)


def screen_payload(agent_id: int, content: Any) -> dict[str, Any] | None:
    """What an agent's page says of its screen, kept to the known fields and sizes."""
    if not isinstance(content, dict) or content.get("type") not in ("open", "draft", "scroll"):
        return None
    interaction = content.get("interaction")
    payload: dict[str, Any] = {
        "agent": agent_id,
        "type": content["type"],
        "interaction": interaction if isinstance(interaction, int) else None,
        "at": time.time(),
    }
    if content["type"] == "draft":
        payload["text"] = str(content.get("text") or "")[:4000]
    if content["type"] == "scroll":
        top = content.get("top")
        payload["top"] = top if isinstance(top, int | float) else 0
    return payload


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
    signed_out = False  # the close for an ended login was sent (it is sent once)
    disconnected = False  # ``disconnect`` ran (the heartbeat stopped, the groups left)
    # Monitor screen: the agents this (supervisor's) socket watches; the agent's own socket
    # forwards at most SCREEN_RATE screen updates a second (its page sends at most 5).
    watching: set[int]
    SCREEN_RATE = 10
    screen_sent: list[float]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accepted, then closed with 4401: a socket refused before it is accepted reaches the
            # page as 1006 (no code), and the page would reconnect forever instead of going to
            # the login page (a login that ended while the tab was offline or asleep).
            self.signed_out = True
            await self.accept()
            await self.close(code=4401)
            return
        self.groups_joined = [user_group(user.pk)]
        self.watching, self.screen_sent = set(), []
        if user.is_agent:
            self.groups_joined += await queue_groups_of(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        if user.is_agent:
            await agent_seen(user)
            self.heartbeat = asyncio.create_task(self.keep_present(user))
        await self.send_json({"kind": "hello", "payload": {"user": user.username}})
        if user.is_agent and user.screen_monitoring:
            watched = await screen_watchers(user.pk) > 0
            await self.send_json({"kind": "supervision.watch", "payload": {"watched": watched}})

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
                    await self.sign_out()
                    return
                await agent_seen(agent)
            except Exception:  # the database away for a moment: try again at the next beat
                logger.exception("presence heartbeat failed", extra={"agent": agent.pk})

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        """``{"subscribe": "campaign", "id": N}``: follow a campaign the user may see;
        ``{"watch": agent}`` / ``{"unwatch": agent}``: a supervisor's Monitor screen;
        ``{"screen": {...}}``: the agent's page tells its watchers what it shows."""
        if not isinstance(content, dict):
            return
        if "screen" in content:
            await self.forward_screen(content["screen"])
        elif "watch" in content or "unwatch" in content:
            await self.watch(content.get("watch", content.get("unwatch")), on="watch" in content)
        elif content.get("subscribe") == "campaign":
            await self.subscribe_campaign(content.get("id"))

    async def subscribe_campaign(self, campaign_id: Any) -> None:
        group = await campaign_group_for(self.scope["user"], campaign_id)
        if group is None:
            await self.send_json({"kind": "error", "payload": {"detail": "No such campaign."}})
            return
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)
        await self.send_json({"kind": "subscribed", "payload": {"group": group}})

    async def watch(self, agent_id: Any, *, on: bool) -> None:
        agent = await watchable_agent(self.scope["user"], agent_id)
        if agent is None:
            await self.send_json({"kind": "error", "payload": {"detail": "No such agent."}})
            return
        await self.set_watch(agent, on=on)
        kind = "screen.watching" if on else "screen.unwatched"
        await self.send_json({"kind": kind, "payload": {"agent": agent}})

    async def set_watch(self, agent: int, *, on: bool) -> None:
        from monitoring.screen import screen_group

        if on:
            await self.channel_layer.group_add(screen_group(agent), self.channel_name)
            self.watching.add(agent)
        else:
            await self.channel_layer.group_discard(screen_group(agent), self.channel_name)
            self.watching.discard(agent)
        await screen_watch(agent, self.channel_name, on=on)

    async def forward_screen(self, content: Any) -> None:
        from monitoring.screen import screen_group

        user = self.scope["user"]
        if not (user.is_agent and user.screen_monitoring):
            return
        now = time.monotonic()
        self.screen_sent = [t for t in self.screen_sent if now - t < 1.0]
        payload = screen_payload(user.pk, content)
        if payload is None or len(self.screen_sent) >= self.SCREEN_RATE:
            return
        self.screen_sent.append(now)
        await self.channel_layer.group_send(
            screen_group(user.pk), {"type": "event.forward", "kind": "screen", "payload": payload}
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """The consumer's whole life. It can end without ``disconnect``: a send to a client
        that vanished meanwhile raises out of the handler (uvicorn's ClientDisconnected). The
        heartbeat is a task of its own: left running, it would keep the agent present, and
        sign them back in, for as long as their session lives. So it always ends here."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            if not self.disconnected:
                try:
                    await self.disconnect(1006)
                except Exception:  # Redis away: groups expire on their own
                    logger.exception("socket cleanup failed")

    async def disconnect(self, code: int) -> None:
        self.disconnected = True
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        # A supervisor's socket that drops stops watching; the agent's state is untouched.
        for agent in list(getattr(self, "watching", ())):
            try:
                await self.set_watch(agent, on=False)
            except Exception:  # Redis away: the watchers' set expires on its own
                logger.exception("unwatch failed", extra={"agent": agent})

    async def event_forward(self, message: dict[str, Any]) -> None:
        await self.send_json({"kind": message["kind"], "payload": message["payload"]})

    async def memberships_changed(self, message: dict[str, Any]) -> None:
        """The agent joined or left a campaign: follow the queues of their campaigns now."""
        user = self.scope["user"]
        wanted = set(await queue_groups_of(user))
        queues = {g for g in self.groups_joined if g.startswith(QUEUE_PREFIX)}
        for group in queues - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in wanted - queues:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = [g for g in self.groups_joined if g not in queues] + sorted(wanted)
        # The page learns it (what it counts as its queues changed); from now on it hears the
        # queues of exactly these campaigns.
        campaigns = sorted(int(g.removeprefix(QUEUE_PREFIX)) for g in wanted)
        await self.send_json({"kind": "memberships.changed", "payload": {"campaigns": campaigns}})

    async def session_ended(self, message: dict[str, Any]) -> None:
        """The user logged out (this session) or was logged out (every session)."""
        if message.get("session") in (None, self.session_key()):
            await self.sign_out()

    async def sign_out(self) -> None:
        """Close with 4401 (the page goes to the login) once: the heartbeat and a
        ``session.ended`` event can both find the login ended."""
        if not self.signed_out:
            self.signed_out = True
            await self.close(code=4401)
