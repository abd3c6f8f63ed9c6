from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Schedule
from dialer.states import SpoolKind, SpoolState
from providers.delivery import DeliveryStatus
from providers.models import Provider


class Dialer(models.Model):
    """Bulk sending for one campaign: the spool rows of that campaign go out through it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    campaign = models.OneToOneField(
        Campaign, on_delete=models.PROTECT, related_name="dialer", verbose_name=_("campaign")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="dialers", verbose_name=_("SMS provider")
    )
    schedules = models.ManyToManyField(
        Schedule, blank=True, related_name="dialers", verbose_name=_("schedules")
    )
    dial_string = models.CharField(
        _("dial string"),
        max_length=100,
        blank=True,
        help_text=_("Ports for port-based gateways: 0-3, 0.3 or 0,2,5."),
    )
    time_between_messages = models.PositiveIntegerField(_("time between messages (ms)"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    check_dncr = models.BooleanField(_("check DNCR"), default=True)
    running = models.BooleanField(_("running"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SpoolRow(models.Model):
    """One message to send. ``position`` is the entry order; lower ``priority`` goes first."""

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="spool_rows", db_index=False
    )
    destination = models.CharField(max_length=40)
    message = models.TextField()
    priority = models.IntegerField(default=0)
    position = models.BigIntegerField()
    state = models.SmallIntegerField(choices=SpoolState.choices, default=SpoolState.TO_PROCESS)
    idm = models.CharField(max_length=100, blank=True)
    data = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    segments = models.PositiveSmallIntegerField(null=True, blank=True)
    port = models.SmallIntegerField(null=True, blank=True)
    claim = models.CharField(max_length=64, blank=True)  # the claiming worker's batch token
    fate_unknown = models.BooleanField(default=False)  # handed over, then its worker died
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The destination normalised (contactcenter.phones), written when the row is sent: a customer's
    # reply is matched on it to reach this row's campaign (campaigns.routing).
    number = models.CharField(max_length=40, blank=True, default="", db_default="")
    delivery_status = models.CharField(
        max_length=15, choices=DeliveryStatus.choices, default=DeliveryStatus.UNKNOWN
    )
    # What queued the row: the dialer (uploads, the monitor's form) or SendSMS; with the SendSMS
    # ``agent`` (a member of the campaign) it was sent for.
    kind = models.CharField(
        max_length=10, choices=SpoolKind.choices, default=SpoolKind.DIALER, db_default="dialer"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # The conversations.Message this row became once sent (dialer.messages records sent rows in
    # bulk, after the batch: the sending loop never waits for it).
    conversation_message = models.ForeignKey(
        "conversations.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    upload = models.ForeignKey(
        "SpoolUpload",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rows",
        db_index=False,
    )

    class Meta:
        db_table = "sms_spool"
        ordering = ["priority", "position"]
        indexes = [
            # The sending loop's claim: next rows of a campaign in state 1, by priority, position.
            models.Index(
                fields=["campaign", "priority", "position"],
                condition=Q(state=SpoolState.TO_PROCESS),
                name="spool_claim",
            ),
            models.Index(fields=["campaign", "state"], name="spool_campaign_state"),
            models.Index(
                fields=["claim"], condition=Q(state=SpoolState.SENDING), name="spool_sending_claim"
            ),
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="spool_provider_id",
            ),
            models.Index(fields=["destination"], name="spool_destination"),
            models.Index(
                fields=["number", "sent_at"],
                condition=Q(state=SpoolState.SENT) & ~Q(number=""),
                name="spool_reply",
            ),
            models.Index(fields=["created_at"], name="spool_created"),
            # Sent rows not yet recorded as messages (empty once dialer.messages caught up).
            models.Index(
                fields=["campaign", "sent_at"],
                condition=Q(state=SpoolState.SENT, conversation_message__isnull=True),
                name="spool_to_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.destination} [{self.state}]"


class SpoolCount(models.Model):
    """Rows per campaign and state, kept in step with every change so monitors never count the
    spool table."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    state = models.SmallIntegerField(choices=SpoolState.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "state"], name="one_count_per_state")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.state}: {self.count}"


class PositionCounter(models.Model):
    """The next free spool position: blocks are reserved with one locked UPDATE."""

    next_position = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return str(self.next_position)


class SpoolUpload(models.Model):
    """A CSV upload, checked completely, then loaded in the background with visible progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking")
        LOADING = "loading", _("Loading")
        DONE = "done", _("Loaded")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=10, default="spool")  # spool or dncr
    file_name = models.CharField(max_length=200)
    path = models.CharField(max_length=500)
    size = models.BigIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    lines_total = models.BigIntegerField(default=0)
    lines_checked = models.BigIntegerField(default=0)
    rows_loaded = models.BigIntegerField(default=0)
    errors = models.JSONField(default=list)
    error_count = models.BigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"


class SpoolDeletion(models.Model):
    """An operator's request to delete a campaign's unprocessed rows: stored first, then done in
    the background (``dialer.tasks.delete_unprocessed_rows``); the sweeper resumes a request
    nobody finished (Redis away when it was made, or its worker died)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    deleted = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(finished_at__isnull=True),
                name="one_unfinished_spool_deletion_per_campaign",
            )
        ]

    def __str__(self) -> str:
        return f"delete unprocessed rows of campaign {self.campaign_id}"


class DncrEntry(models.Model):
    """Do not contact this number (in every campaign, or in one)."""

    number = models.CharField(max_length=32)  # normalised (E.164 when it parses)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="dncr_entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["number", "campaign"], name="unique_dncr_campaign"),
            models.UniqueConstraint(
                fields=["number"], condition=Q(campaign__isnull=True), name="unique_dncr_global"
            ),
        ]
        indexes = [models.Index(fields=["number"], name="dncr_number")]

    def __str__(self) -> str:
        return self.number
