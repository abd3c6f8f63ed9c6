from __future__ import annotations

import json
import re
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.fields import EncryptedTextField, NameField
from providers.adapters import registry
from providers.configuration import type_errors
from providers.delivery import DeliveryStatus
from providers.encoding import Encoding


def new_webhook_token() -> str:
    return secrets.token_urlsafe(24)


TIMEOUT_MIN, TIMEOUT_MAX = 0.1, 120.0


def validate_api_type(value: str) -> None:
    if value not in registry():
        raise ValidationError(
            _("Unknown API type “%(value)s”; choose one of %(types)s."),
            code="api_type",
            params={"value": value, "types": ", ".join(registry())},
        )


def validate_regexp(value: str) -> None:
    if not value:
        return
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(
            _("Not a valid regular expression: %(error)s."),
            code="regexp",
            params={"error": str(exc)},
        ) from exc


def validate_timeout(value: float) -> None:
    if not TIMEOUT_MIN <= value <= TIMEOUT_MAX:
        raise ValidationError(
            _("Give a number of seconds between %(min)s and %(max)s."),
            code="timeout",
            params={"min": TIMEOUT_MIN, "max": f"{TIMEOUT_MAX:g}"},
        )


class Provider(models.Model):
    """An SMS or WhatsApp provider account. Secrets are encrypted and never shown back.

    Its rules live here: field validators, and ``clean()`` for what the chosen type requires;
    the service runs them with ``full_clean()``, forms and serializers derive from the fields.
    """

    # The plain fields a user sets (forms, serializer and service read this list); ``password``
    # and the type's settings are written through the service, which keeps stored secrets.
    EDITABLE = (
        "name",
        "api_type",
        "endpoint",
        "username",
        "sender",
        "ports",
        "number_regexp",
        "encoding",
        "is_default",
        "connect_timeout",
        "read_timeout",
        "security_groups",
    )

    name = NameField(
        _("name"),
        unique_message=_("A provider with this name exists."),
        blank_message=_("Give the provider a name."),
    )
    api_type = models.CharField(_("API type"), max_length=30, validators=[validate_api_type])
    endpoint = models.CharField(_("URL"), max_length=1000, blank=True)
    username = models.CharField(_("user"), max_length=200, blank=True)
    password = EncryptedTextField(_("password"), blank=True)
    sender = models.CharField(_("SMS From"), max_length=100, blank=True)
    ports = models.CharField(_("ports"), max_length=200, blank=True)
    number_regexp = models.CharField(
        _("SMS RegExp"),
        max_length=500,
        blank=True,
        validators=[validate_regexp],
        help_text=_("Destinations that do not match are never sent, e.g. ^(09\\d{7})$."),
    )
    encoding = models.CharField(
        _("encoding"),
        max_length=10,
        default=Encoding.AUTO,
        choices=[(e.value, e.value) for e in Encoding],
        error_messages={"invalid_choice": _("Choose auto, GSM7 or UCS2.")},
        help_text=_("auto: GSM-7 when every character allows it, else UCS-2."),
    )
    is_default = models.BooleanField(_("default"), default=False)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    secret_settings = EncryptedTextField(blank=True, default="")
    connect_timeout = models.FloatField(
        _("connect timeout (s)"), default=5.0, validators=[validate_timeout]
    )
    read_timeout = models.FloatField(
        _("read timeout (s)"), default=15.0, validators=[validate_timeout]
    )
    security_groups = models.ManyToManyField(
        "accounts.SecurityGroup", blank=True, related_name="providers",
        verbose_name=_("security groups"),
        help_text=_("Groups whose campaigns may use this provider; none selected: every group."),
    )  # fmt: skip
    webhook_token = models.CharField(max_length=64, unique=True, default=new_webhook_token)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_provider"
            ),
            models.CheckConstraint(
                condition=Q(connect_timeout__gte=TIMEOUT_MIN)
                & Q(connect_timeout__lte=TIMEOUT_MAX)
                & Q(read_timeout__gte=TIMEOUT_MIN)
                & Q(read_timeout__lte=TIMEOUT_MAX),
                name="provider_timeouts_in_range",
                violation_error_message=_("Timeouts are between 0.1 and 120 seconds."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """What the chosen type requires (per field), beyond each field's own validators."""
        errors = type_errors(self)
        if errors:
            raise ValidationError(errors)

    def get_secret_settings(self) -> dict[str, str]:
        return json.loads(self.secret_settings) if self.secret_settings else {}

    @staticmethod
    def secret_settings_text(values: dict[str, str]) -> str:
        """What ``secret_settings`` stores for ``values``: JSON, empty when there are none."""
        return json.dumps(values) if values else ""


class OutboundMessage(models.Model):
    """A provider's Test action: one message sent to check the provider (diagnostics, not a
    conversation; customers' conversations are conversations.Message)."""

    class State(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="outbound")
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    destination = models.CharField(max_length=40)
    text = models.TextField()
    encoding = models.CharField(max_length=10)
    segments = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENDING)
    provider_message_id = models.CharField(max_length=200, blank=True, db_index=True)
    error = models.TextField(blank=True)
    delivery_status = models.CharField(
        max_length=15, choices=DeliveryStatus.choices, default=DeliveryStatus.UNKNOWN
    )
    delivery_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="unique_outbound_provider_message_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.destination}: {self.state}/{self.delivery_status}"


class InboundPart(models.Model):
    """One part of a long inbound message delivered part by part (Vonage ``concat``)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    sender = models.CharField(max_length=60)
    concat_ref = models.CharField(max_length=100)
    part_number = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    provider_message_id = models.CharField(max_length=200)
    recipient = models.CharField(max_length=60, blank=True)
    text = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "sender", "concat_ref", "part_number"],
                name="unique_inbound_part",
            )
        ]

    def __str__(self) -> str:
        return f"{self.concat_ref} {self.part_number}/{self.total}"


class DeliveryReport(models.Model):
    """Every delivery report received, kept as it came (also those that arrive before we know
    the message's provider id: they are applied when the id is stored)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    provider_message_id = models.CharField(max_length=200)
    status = models.CharField(max_length=15, choices=DeliveryStatus.choices)
    error = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    raw = models.JSONField(default=dict)

    class Meta:
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["provider", "provider_message_id"])]

    def __str__(self) -> str:
        return f"{self.provider_message_id}: {self.status}"
