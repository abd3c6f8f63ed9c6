"""REST API: /api/v1/interactions/, /api/v1/messages/, /api/v1/agents/me/state,
/api/v1/break-types/.

Thin views: reads come from ``conversations.selectors`` (scoped by who asks: 404 for what the
user may not see), changes from the services; a service's ValidationError is a 400 naming the
field, its Conflict a 409 ``{"detail": reason}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, pagination, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role
from agents.break_types import delete_break_type, save_break_type
from agents.models import BreakType
from agents.states import AgentState
from contactcenter.filters import MomentFilter
from contactcenter.lookups import BIGINT_MAX, one_or_404
from contactcenter.pagination import IdCursorPagination, whole_number
from contactcenter.phones import customer_number
from contactcenter.service_errors import Conflict, drf_errors
from conversations import presence
from conversations.closing import close_interaction
from conversations.inbox import HISTORY_SIZE, history_entry, history_of, inbox_for
from conversations.models import Interaction, Message
from conversations.reading import mark_read
from conversations.replies import reply, retry_message, start_interaction
from conversations.selectors import (
    agent_state_of,
    interaction_for_user,
    interactions_for,
    message_for_user,
    messages_of,
    messages_outside_interactions,
)
from conversations.serializers import (
    AgentStateSerializer,
    BreakTypeSerializer,
    HistoryEntrySerializer,
    InboxEntrySerializer,
    InteractionSerializer,
    MessageSerializer,
    ReplySerializer,
    StartSerializer,
    UnroutedMessageSerializer,
)
from conversations.states import CloseReason, InteractionState, Routing

T = TypeVar("T")


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state.")
    default_code = "conflict"


def run(service: Callable[..., T], **kwargs: Any) -> T:
    """Call a service: its ValidationError is a 400 naming the field, its Conflict a 409."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise drf_errors(exc) from exc
    except Conflict as exc:
        raise ConflictError(exc.reason) from exc


def role_only(*roles: str) -> type[BasePermission]:
    """Signed in with one of ``roles`` (403 for any other role)."""

    class RoleOnly(BasePermission):
        def has_permission(self, request: Request, view: APIView) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.role in roles)

    return RoleOnly


AgentsOnly = role_only(Role.AGENT)
AdminsOnly = role_only(Role.ADMIN)
CONFLICT = OpenApiResponse(description="The interaction's state forbids it now: `detail` says why.")


class KeyFilter(django_filters.NumberFilter):
    """An id: a whole number a key can be (a 400 naming the parameter otherwise, never a
    database error for a number past the column's range)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class InteractionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=InteractionState.choices)
    campaign = KeyFilter(field_name="campaign_id", help_text=_("Campaign id."))
    agent = KeyFilter(field_name="agent_id", help_text=_("Agent (user) id."))
    number = django_filters.CharFilter(
        method="filter_number",
        max_length=40,
        help_text=_("The customer's number, in any spelling (098 123 456, +59898123456)."),
    )
    opened_after = MomentFilter(
        field_name="opened_at", lookup_expr="gte", help_text=_("ISO date or datetime.")
    )
    opened_before = MomentFilter(
        field_name="opened_at", lookup_expr="lt", help_text=_("ISO date or datetime.")
    )

    class Meta:
        model = Interaction
        fields = ["state", "campaign", "agent", "number", "opened_after", "opened_before"]

    def filter_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(number=customer_number(value)) if value.strip() else queryset


class InteractionPagination(IdCursorPagination):
    """Newest first, by id: stable cursors however the interactions change meanwhile."""

    ordering = "-id"


class MessagePagination(IdCursorPagination):
    """An interaction's messages oldest first (by id), 50 a page. ``latest=true`` starts at the
    newest page (still oldest first within it; ``previous`` leads back). ``after=<seq>``: only
    messages changed after that event number, in the order of their changes (``seq``)."""

    page_size = 50
    after_query_param = "after"
    latest_query_param = "latest"

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        if request.query_params.get(self.after_query_param):
            return ("seq", "id")
        return ("id",)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        cursor = super().decode_cursor(request)
        latest = request.query_params.get(self.latest_query_param)
        if latest not in (None, "", "true", "false", "1", "0"):
            raise exceptions.ValidationError({self.latest_query_param: [_("Give true or false.")]})
        if cursor is None and latest in ("true", "1"):
            return pagination.Cursor(offset=0, reverse=True, position=None)
        return cursor

    def get_schema_operation_parameters(self, view: object) -> list[dict]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.after_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Only messages changed after this event number (seq).")),
                "schema": {"type": "integer", "minimum": 0, "maximum": BIGINT_MAX},
            },
            {
                "name": self.latest_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Start at the newest page.")),
                "schema": {"type": "boolean"},
            },
        ]


class InteractionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Interactions the user may see (admins: all; supervisors: their groups' campaigns;
    agents: those assigned to them), newest first, filtered by ``state``, ``campaign``,
    ``agent``, ``number``, ``opened_after``, ``opened_before``."""

    serializer_class = InteractionSerializer
    pagination_class = InteractionPagination
    filterset_class = InteractionFilter

    def get_queryset(self) -> QuerySet[Interaction]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return Interaction.objects.none()
        return interactions_for(self.request.user)

    def get_object(self) -> Interaction:
        return interaction_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "create":
            return [AgentsOnly()]
        return super().get_permissions()

    @extend_schema(
        request=StartSerializer,
        responses={201: InteractionSerializer, 409: CONFLICT},
        description="Start an interaction (agents: in a campaign they are a member of).",
    )
    def create(self, request: Request) -> Response:
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        interaction = run(
            start_interaction,
            agent=request.user,
            campaign_id=body.validated_data["campaign"],
            number=body.validated_data["number"],
            text=body.validated_data["text"],
        )
        return Response(InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MessageSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        pagination_class=MessagePagination,
        filter_backends=[],
        serializer_class=MessageSerializer,
    )
    def messages(self, request: Request, pk: str | None = None) -> Response:
        interaction = self.get_object()
        after = whole_number(request, MessagePagination.after_query_param, BIGINT_MAX)
        page = self.paginate_queryset(messages_of(interaction, after=after))
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(
        request=ReplySerializer,
        responses={201: MessageSerializer, 409: CONFLICT},
        description="Reply in an interaction assigned to you (queued, then sent).",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        interaction = self.get_object()
        body = ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = run(
            reply,
            interaction_id=interaction.pk,
            agent=request.user,
            text=body.validated_data["text"],
            key=body.validated_data.get("key", ""),
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: InteractionSerializer, 409: CONFLICT},
        description="Close: the agent holding it, or a supervisor or admin who sees it.",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request: Request, pk: str | None = None) -> Response:
        interaction = self.get_object()
        holder = request.user.role == Role.AGENT
        interaction = run(
            close_interaction,
            interaction_id=interaction.pk,
            by=request.user,
            reason=CloseReason.AGENT if holder else CloseReason.SUPERVISOR,
        )
        return Response(InteractionSerializer(interaction).data)

    @extend_schema(
        responses=InboxEntrySerializer(many=True),
        parameters=[OpenApiParameter("q", str, description="Campaign name or customer number.")],
        description="Agents: the inbox list (open interactions, then the last 30 closed).",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def inbox(self, request: Request) -> Response:
        if request.user.role != Role.AGENT:
            raise exceptions.PermissionDenied(_("Only agents have an inbox."))
        query = request.query_params.get("q", "")[:60]
        entries = inbox_for(request.user, query=query)
        return Response(InboxEntrySerializer(entries, many=True).data)

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """The customer's previous (closed) interactions the user may read, newest first."""
        interaction = self.get_object()
        entries = [history_entry(i) for i in history_of(request.user, interaction)[:HISTORY_SIZE]]
        return Response(HistoryEntrySerializer(entries, many=True).data)

    @extend_schema(responses=MessageSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path=r"history/(?P<previous>[0-9]{1,18})/messages",
        pagination_class=MessagePagination,
        filter_backends=[],
        serializer_class=MessageSerializer,
    )
    def history_messages(
        self, request: Request, pk: str | None = None, previous: str | None = None
    ) -> Response:
        """The messages of one of the customer's previous interactions (read-only)."""
        interaction = self.get_object()
        earlier = one_or_404(
            history_of(request.user, interaction), previous, "No such interaction."
        )
        page = self.paginate_queryset(messages_of(earlier))
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={200: InteractionSerializer, 409: CONFLICT},
        description="The agent holding it has read it: its unread count goes back to 0.",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def read(self, request: Request, pk: str | None = None) -> Response:
        interaction = self.get_object()
        interaction = run(mark_read, interaction_id=interaction.pk, agent=request.user)
        return Response(InteractionSerializer(interaction).data)


class UnroutedFilter(django_filters.FilterSet):
    routing = django_filters.ChoiceFilter(
        choices=[(r.value, r.label) for r in (Routing.PENDING, Routing.UNROUTED)]
    )

    class Meta:
        model = Message
        fields = ["routing"]


class UnroutedPagination(IdCursorPagination):
    ordering = "-created_at"


class MessageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """``GET /messages/``: inbound messages no interaction holds (``routing=pending``: routing
    has not looked at them yet; ``unrouted``: no campaign takes them), newest first, for admins
    only. ``POST /messages/{id}/retry``: send a failed message again."""

    serializer_class = UnroutedMessageSerializer
    pagination_class = UnroutedPagination
    filterset_class = UnroutedFilter

    def get_queryset(self) -> QuerySet[Message]:
        return messages_outside_interactions()

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "list":
            return [AdminsOnly()]
        return super().get_permissions()

    @extend_schema(request=None, responses={200: MessageSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=MessageSerializer)
    def retry(self, request: Request, pk: str | None = None) -> Response:
        message = message_for_user(user=request.user, pk=pk)
        message = run(retry_message, message_id=message.pk, user=request.user)
        return Response(MessageSerializer(message).data)


class AgentStateView(APIView):
    """The signed-in agent's own state (agents only). Every POST is a sign of life: an API
    client that posts at least every ``AGENT_PRESENCE_GRACE`` seconds stays present."""

    permission_classes = [AgentsOnly]
    serializer_class = AgentStateSerializer

    @extend_schema(responses=AgentStateSerializer)
    def get(self, request: Request) -> Response:
        return Response(AgentStateSerializer(agent_state_of(request.user)).data)

    @extend_schema(request=AgentStateSerializer, responses=AgentStateSerializer)
    def post(self, request: Request) -> Response:
        body = AgentStateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        state = body.validated_data["state"]
        agent = request.user
        if state == AgentState.DISCONNECTED:
            presence.sign_out(agent.pk)
        elif state in (AgentState.FREE_ON_BREAK, AgentState.BUSY_ON_BREAK):
            run(presence.set_break, agent=agent, break_type=body.validated_data["break_type"])
        else:
            presence.set_break(agent, "")  # back from a break (or none): present, free or busy
        return Response(AgentStateSerializer(agent_state_of(agent)).data)


class BreakTypeViewSet(viewsets.ModelViewSet):
    """The break types an agent may choose, in their order: every signed-in user reads them,
    admins create, change and delete them (403 for anyone else)."""

    serializer_class = BreakTypeSerializer

    def get_queryset(self) -> QuerySet[BreakType]:
        return BreakType.objects.all()

    def get_permissions(self) -> list[BasePermission]:
        if self.action not in ("list", "retrieve"):
            return [AdminsOnly()]
        return super().get_permissions()

    def get_object(self) -> BreakType:
        return one_or_404(BreakType.objects.all(), self.kwargs["pk"], "No such break type.")

    def perform_create(self, serializer: BreakTypeSerializer) -> None:
        serializer.instance = run(
            save_break_type, break_type=None, values=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: BreakTypeSerializer) -> None:
        serializer.instance = run(
            save_break_type, break_type=serializer.instance, values=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: BreakType) -> None:
        delete_break_type(break_type=instance)
