"""Supervisors' actions on an agent (SPEC §5): pause, log out, chat, and the audit log every
action writes (who, whom, what, when). Each service takes the agent already fetched through
``selectors.agent_for_user`` (404 outside the supervisor's groups)."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User, UserSession
from accounts.sessions import session_keys_of
from agents.models import AgentStatus
from agents.services import break_type_named
from agents.states import AgentState
from contactcenter.events import end_sockets, publish, user_group
from contactcenter.service_errors import Conflict
from conversations import presence
from monitoring.models import AuditAction, AuditEntry, ChatMessage

CHAT_MAX_LENGTH = 2000


def display_name(user: User) -> str:
    return user.get_full_name() or user.username


def record(*, actor: User, agent: User, action: str, detail: str = "") -> AuditEntry:
    return AuditEntry.objects.create(actor=actor, agent=agent, action=action, detail=detail[:200])


def is_connected(agent: User) -> bool:
    state = AgentStatus.objects.filter(agent=agent).values_list("state", flat=True).first()
    return state not in (None, AgentState.DISCONNECTED)


def pause_agent(*, actor: User, agent: User, break_type: str) -> AgentStatus:
    """Put the agent on the chosen break now (on a break already: the type changes). The agent
    is told who paused them. Conflict when the agent is not connected (a pause would sign
    them in)."""
    if not is_connected(agent):
        raise Conflict(
            gettext("%(name)s is not connected: there is nothing to pause.")
            % {"name": display_name(agent)}
        )
    break_type = break_type_named(break_type)  # ValidationError naming break_type
    with transaction.atomic():
        # On a break already: only its type changes (recorded and shown on every board).
        status = presence.set_break(agent, break_type)
        record(actor=actor, agent=agent, action=AuditAction.PAUSE, detail=status.break_type)
        publish(
            user_group(agent.pk),
            "supervision.paused",
            {"by": display_name(actor), "break_type": status.break_type},
        )
    return status


def log_out_agent(*, actor: User, agent: User) -> tuple[bool, str]:
    """End every session and socket of the agent at once; their interactions go back to the
    head of their queues (SPEC §3a). A disconnected agent with no session: nothing to do.
    Returns (done, message for the supervisor)."""
    sessions = session_keys_of(agent.pk)  # indexed at sign-in (accounts.sessions)
    if not sessions and not is_connected(agent):
        record(actor=actor, agent=agent, action=AuditAction.LOG_OUT, detail="not connected: no-op")
        return False, gettext("%(name)s is not connected: nothing to log out.") % {
            "name": display_name(agent)
        }
    with transaction.atomic():
        Session.objects.filter(session_key__in=sessions).delete()
        UserSession.objects.filter(user_id=agent.pk).delete()
        requeued = presence.sign_out(agent.pk, reason="forced_out")
        end_sockets(agent.pk, None)
        record(
            actor=actor,
            agent=agent,
            action=AuditAction.LOG_OUT,
            detail=f"{len(sessions)} sessions, {requeued} interactions requeued",
        )
    return True, gettext(
        "%(name)s was logged out; %(count)s interactions went back to their queues."
    ) % {"name": display_name(agent), "count": requeued}


def _chat_text(text: object) -> str:
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise ValidationError({"text": gettext("Write a message.")})
    if len(text) > CHAT_MAX_LENGTH:
        raise ValidationError(
            {"text": gettext("At most %(n)s characters.") % {"n": CHAT_MAX_LENGTH}}
        )
    return text


def chat_payload(message: ChatMessage) -> dict:
    return {
        "id": message.pk,
        "agent": message.agent_id,
        "supervisor": message.supervisor_id,
        "supervisor_name": display_name(message.supervisor) if message.supervisor else "",
        "from_agent": message.from_agent,
        "text": message.text,
        "at": message.at.isoformat(),
    }


def chat_to_agent(*, actor: User, agent: User, text: object) -> ChatMessage:
    """A supervisor writes to the agent: kept, shown live in the agent's chat panel."""
    text = _chat_text(text)
    with transaction.atomic():
        message = ChatMessage.objects.create(agent=agent, supervisor=actor, text=text)
        record(actor=actor, agent=agent, action=AuditAction.CHAT, detail=text[:100])
        payload = chat_payload(message)
        publish(user_group(agent.pk), "chat.message", payload)
        publish(user_group(actor.pk), "chat.message", payload)
    return message


def chat_from_agent(*, agent: User, text: object) -> ChatMessage:
    """The agent answers: to the supervisor who wrote last (every supervisor's board that has
    the thread open reloads it from the database)."""
    text = _chat_text(text)
    last = (
        ChatMessage.objects.filter(agent=agent, from_agent=False)
        .order_by("-id")
        .values_list("supervisor_id", flat=True)
        .first()
    )
    if last is None:
        raise ValidationError({"text": gettext("No supervisor has written to you yet.")})
    with transaction.atomic():
        message = ChatMessage.objects.create(
            agent=agent, supervisor_id=last, from_agent=True, text=text
        )
        payload = chat_payload(message)
        publish(user_group(last), "chat.message", payload)
        publish(user_group(agent.pk), "chat.message", payload)
    return message


def mark_chat_read(*, agent: User, by_agent: bool) -> int:
    """The other side's messages are read now; returns how many were unread."""
    return ChatMessage.objects.filter(
        agent=agent, from_agent=not by_agent, read_at__isnull=True
    ).update(read_at=timezone.now())


def start_screen_monitoring(*, actor: User, agent: User) -> None:
    if not agent.screen_monitoring:
        raise Conflict(
            gettext("Screen monitoring is off for %(name)s (Configuration → Agents).")
            % {"name": display_name(agent)}
        )
    record(actor=actor, agent=agent, action=AuditAction.MONITOR_SCREEN)
