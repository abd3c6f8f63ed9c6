"""The board's JSON endpoints (session with CSRF, or an API token): a snapshot, and the
actions on an agent. Each one parses, calls one selector or service, and answers; an agent
outside the user's groups is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import SectionPermission
from accounts.roles import Section
from contactcenter.service_errors import Conflict, drf_errors
from monitoring import board, selectors, services
from monitoring.models import AuditAction

T = TypeVar("T")


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def run(service: Callable[..., T], **kwargs: Any) -> T:
    try:
        return service(**kwargs)
    except ValidationError as exc:
        raise drf_errors(exc) from exc
    except Conflict as exc:
        raise ConflictError(exc.reason) from exc


@extend_schema(exclude=True)
class BoardView(APIView):
    """``GET ?campaign=1&campaign=2``: the board's snapshot of the user's chosen campaigns."""

    section = Section.MONITORING
    permission_classes = [SectionPermission]

    def get(self, request: Request) -> HttpResponse:
        campaigns = board.chosen_campaigns(request.user, request.query_params.getlist("campaign"))
        return HttpResponse(board.snapshot_json(campaigns), content_type="application/json")


class AgentActionView(APIView):
    section = Section.MONITORING
    permission_classes = [SectionPermission]

    def agent(self, request: Request, pk: Any) -> Any:
        return selectors.agent_for_user(user=request.user, pk=pk)


@extend_schema(exclude=True)
class InfoView(AgentActionView):
    def get(self, request: Request, pk: Any) -> Response:
        agent = self.agent(request, pk)
        services.record(actor=request.user, agent=agent, action=AuditAction.INFO)
        return Response(selectors.agent_info(user=request.user, agent=agent))


@extend_schema(exclude=True)
class SpyView(AgentActionView):
    def get(self, request: Request, pk: Any) -> Response:
        agent = self.agent(request, pk)
        if request.query_params.get("refresh") != "1":  # the first look is the action
            services.record(actor=request.user, agent=agent, action=AuditAction.SPY)
        return Response(
            {"agent": agent.pk, "conversations": selectors.spy_view(user=request.user, agent=agent)}
        )


@extend_schema(exclude=True)
class ScreenView(AgentActionView):
    """``POST``: start watching the agent's screen (recorded); the socket does the rest."""

    def post(self, request: Request, pk: Any) -> Response:
        agent = self.agent(request, pk)
        run(services.start_screen_monitoring, actor=request.user, agent=agent)
        return Response({"agent": agent.pk, "watching": True})


@extend_schema(exclude=True)
class PauseView(AgentActionView):
    """``POST {"break_type": name}``."""

    def post(self, request: Request, pk: Any) -> Response:
        agent = self.agent(request, pk)
        status_row = run(
            services.pause_agent,
            actor=request.user,
            agent=agent,
            break_type=str(request.data.get("break_type") or ""),
        )
        return Response(
            {"agent": agent.pk, "state": status_row.state, "break_type": status_row.break_type}
        )


@extend_schema(exclude=True)
class LogOutView(AgentActionView):
    def post(self, request: Request, pk: Any) -> Response:
        agent = self.agent(request, pk)
        done, message = services.log_out_agent(actor=request.user, agent=agent)
        return Response({"agent": agent.pk, "logged_out": done, "detail": message})


@extend_schema(exclude=True)
class ChatView(AgentActionView):
    """``GET``: the thread (the agent's answers are read now); ``POST {"text"}``: write."""

    def get(self, request: Request, pk: Any) -> Response:
        agent = self.agent(request, pk)
        services.mark_chat_read(agent=agent, by_agent=False)
        return Response({"agent": agent.pk, "messages": selectors.chat_thread(agent)})

    def post(self, request: Request, pk: Any) -> Response:
        agent = self.agent(request, pk)
        message = run(
            services.chat_to_agent, actor=request.user, agent=agent, text=request.data.get("text")
        )
        return Response(services.chat_payload(message), status=status.HTTP_201_CREATED)


class AgentOwnView(APIView):
    section = Section.INBOX
    permission_classes = [SectionPermission]


@extend_schema(exclude=True)
class MySupervisionView(AgentOwnView):
    """The agent's page at load: watched, paused by whom, the chat thread and unread count."""

    def get(self, request: Request) -> Response:
        return Response(selectors.supervision_state(request.user))


@extend_schema(exclude=True)
class MyChatView(AgentOwnView):
    def post(self, request: Request) -> Response:
        message = run(services.chat_from_agent, agent=request.user, text=request.data.get("text"))
        return Response(services.chat_payload(message), status=status.HTTP_201_CREATED)


@extend_schema(exclude=True)
class MyChatReadView(AgentOwnView):
    def post(self, request: Request) -> Response:
        return Response({"read": services.mark_chat_read(agent=request.user, by_agent=True)})
