"""How interactions, messages and an agent's state read in the API (and what the API takes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.models import BreakType
from agents.states import AgentState
from contactcenter.lookups import BIGINT_MAX
from conversations.events import client_key, shown_delivery
from conversations.inbox import PREVIEW_CHARS, composer_closed_reason
from conversations.models import Interaction, Message
from conversations.replies import whatsapp_window_end
from conversations.states import BotKind, CloseReason, Delivery, Routing

SHOWN_DELIVERY = [(d.value, d.label) for d in Delivery if d != Delivery.SENDING]


class InteractionSerializer(serializers.ModelSerializer):
    """``number`` is the customer's number in E.164; ``agent`` the holder (or the last holder
    of a closed one); ``seq`` the interaction's last event number (``after=`` on messages)."""

    close_reason = serializers.ChoiceField(
        choices=CloseReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Interaction
        fields = [
            "id",
            "campaign",
            "provider",
            "number",
            "state",
            "agent",
            "opened_at",
            "queued_at",
            "assigned_at",
            "first_reply_at",
            "last_customer_at",
            "last_activity_at",
            "closed_at",
            "closed_by",
            "close_reason",
            "unread",
            "seq",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    """``delivery`` of an outbound message (``queued``, ``sent``, ``delivered``, ``failed``;
    null for an inbound one); ``seq`` the interaction's event number of its last change."""

    delivery = serializers.SerializerMethodField()
    bot_kind = serializers.ChoiceField(choices=BotKind.choices, allow_blank=True, read_only=True)
    agent_name = serializers.SerializerMethodField()
    key = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "interaction",
            "direction",
            "author",
            "agent",
            "agent_name",
            "bot_kind",
            "text",
            "segments",
            "delivery",
            "error",
            "created_at",
            "seq",
            "key",
        ]
        read_only_fields = fields

    def get_key(self, message: Message) -> str:
        """The reply's idempotency key, as its sender gave it ("" for other messages)."""
        return client_key(message)

    @extend_schema_field(serializers.ChoiceField(choices=SHOWN_DELIVERY, allow_null=True))
    def get_delivery(self, message: Message) -> str | None:
        return shown_delivery(message) or None

    def get_agent_name(self, message: Message) -> str:
        """The agent who wrote it (blank for the customer and bots): read with
        ``select_related("agent")`` (``selectors.messages_of``)."""
        agent = message.agent if message.agent_id else None
        return (agent.get_full_name() or agent.username) if agent else ""


class UnroutedMessageSerializer(MessageSerializer):
    """An inbound message outside any interaction: who wrote, to which number, through which
    provider, and whether routing still has to look at it (``pending``) or found no campaign
    (``unrouted``)."""

    routing = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in (Routing.PENDING, Routing.UNROUTED)]
    )

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "provider", "number", "did", "routing"]
        read_only_fields = fields


class StartSerializer(serializers.Serializer):
    """``POST /interactions/``: the campaign (one the agent is a member of), the customer's
    number (any spelling ``phonenumbers`` accepts) and the first message."""

    campaign = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    number = serializers.CharField(max_length=40, allow_blank=True)
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ReplySerializer(serializers.Serializer):
    """``key``: optional idempotency key (one per message the agent typed): the same key again
    answers the message already queued instead of sending a second one."""

    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    key = serializers.RegexField(
        r"^[A-Za-z0-9_-]{8,64}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": _("Give 8 to 64 letters, digits, - or _.")},
    )


class InboxEntrySerializer(serializers.ModelSerializer):
    """One row of the agent's inbox: the interaction, its campaign's name, the last message's
    text (``preview``, shortened) and who wrote it, why the composer is closed, if it is, and on
    WhatsApp when free text stops being allowed (``window_closes_at``; null on SMS)."""

    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    preview = serializers.SerializerMethodField()
    preview_author = serializers.CharField(read_only=True, allow_null=True)
    encoding = serializers.CharField(source="provider.encoding", read_only=True)
    composer_closed = serializers.SerializerMethodField()
    window_closes_at = serializers.SerializerMethodField()

    class Meta:
        model = Interaction
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "number",
            "state",
            "unread",
            "last_activity_at",
            "closed_at",
            "seq",
            "preview",
            "preview_author",
            "encoding",
            "composer_closed",
            "window_closes_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_window_closes_at(self, interaction: Interaction) -> str | None:
        end = whatsapp_window_end(interaction)
        return serializers.DateTimeField().to_representation(end) if end else None

    def get_preview(self, interaction: Interaction) -> str:
        return (getattr(interaction, "preview", None) or "")[:PREVIEW_CHARS]

    def get_composer_closed(self, interaction: Interaction) -> str:
        return composer_closed_reason(interaction)


class HistoryEntrySerializer(serializers.Serializer):
    """A customer's previous interaction, as the three-dot menu lists it."""

    id = serializers.IntegerField()
    campaign = serializers.IntegerField()
    campaign_name = serializers.CharField()
    number = serializers.CharField()
    agent_name = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class AgentStateSerializer(serializers.Serializer):
    """An agent's state. To set it: ``free`` or ``busy`` end a break, ``free_on_break`` or
    ``busy_on_break`` start one (``break_type`` required: one of ``/break-types/``),
    ``disconnected`` signs out. Whether the agent is free or busy follows from their load."""

    state = serializers.ChoiceField(choices=AgentState.choices)
    break_type = serializers.CharField(max_length=60, required=False, allow_blank=True)
    load = serializers.IntegerField(read_only=True)
    changed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def validate(self, data: dict) -> dict:
        on_break = data["state"] in (AgentState.FREE_ON_BREAK, AgentState.BUSY_ON_BREAK)
        if on_break and not (data.get("break_type") or "").strip():
            raise serializers.ValidationError({"break_type": [_("Choose a break type.")]})
        return data


class BreakTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = BreakType
        fields = ["id", "name", "icon", "position"]
        # Uniqueness is the model's (full_clean in the service), worded the same everywhere.
        extra_kwargs = {"name": {"validators": []}}
