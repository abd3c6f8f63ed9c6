from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import SecurityGroup
from campaigns.schedules import valid_time_zone
from contactcenter.fields import NameField
from providers.models import Provider

WEEKDAYS = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_RECENT = "least_recent", _("Least recent")
    FEWEST_INTERACTIONS = "fewest_interactions", _("Fewest interactions")
    RANDOM = "random", _("Random")
    LINEAR = "linear", _("Linear")


def validate_time_zone(value: str) -> None:
    if not valid_time_zone(value):
        raise ValidationError(
            _("“%(value)s” is not a time zone (e.g. America/Montevideo)."),
            code="time_zone",
            params={"value": value},
        )


WEEKDAYS_NEEDED = _("Choose at least one weekday (0 = Monday … 6 = Sunday).")


def validate_weekdays(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(isinstance(d, bool) or d not in range(7) for d in value)
    ):
        raise ValidationError(WEEKDAYS_NEEDED, code="weekdays")


class Schedule(models.Model):
    """Named opening hours: weekly rules in a time zone, with holiday exceptions.

    Shared by campaigns and dialers. Attached to nothing = open at all hours; attached but
    without rules = never open (see ``campaigns.schedules``). Like a campaign it belongs to a
    security group, whose supervisors see and edit it; no group = admins only."""

    EDITABLE = ("name", "security_group", "time_zone")

    name = NameField(
        _("name"),
        unique_message=_("A schedule with this name exists already."),
        blank_message=_("Give the schedule a name."),
    )
    security_group = models.ForeignKey(
        SecurityGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schedules",
        verbose_name=_("security group"),
        help_text=_("Its supervisors see and edit the schedule; none: admins only."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScheduleRule(models.Model):
    """Open on ``weekdays`` from ``start`` to ``end`` (local time). ``overnight`` rules end the
    next day (22:00–02:00): they belong to the weekday they start on."""

    BOTH_TIMES = _("Give a start and an end time.")

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="rules")
    # 0 = Monday … 6 = Sunday
    weekdays = models.JSONField(
        _("weekdays"),
        default=list,
        validators=[validate_weekdays],
        error_messages={"blank": WEEKDAYS_NEEDED},
    )
    start = models.TimeField(_("start"), error_messages={"null": BOTH_TIMES})
    end = models.TimeField(_("end"), error_messages={"null": BOTH_TIMES})
    overnight = models.BooleanField(_("ends the next day"), default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overnight=True) | Q(end__gt=models.F("start")),
                name="rule_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekdays} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is None or self.end is None or self.overnight:
            return
        if self.end <= self.start:
            raise ValidationError(
                {
                    "end": _(
                        "The end (%(end)s) is not after the start (%(start)s); tick “ends the "
                        "next day” for a range across midnight."
                    )
                    % {"end": f"{self.end:%H:%M}", "start": f"{self.start:%H:%M}"}
                }
            )


class Holiday(models.Model):
    """A date on which the weekly rules do not apply: closed, or open only in its own hours."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"), error_messages={"null": _("Give a date.")})
    name = models.CharField(_("name"), max_length=100, blank=True)
    start = models.TimeField(_("opens"), null=True, blank=True)
    end = models.TimeField(_("closes"), null=True, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="one_holiday_per_date"),
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False) & Q(end__isnull=False) & Q(end__gt=models.F("start"))),
                name="holiday_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def clean(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValidationError({"start": _("Give both opening and closing times, or neither.")})
        if self.start is not None and self.end <= self.start:
            raise ValidationError({"end": _("It closes before it opens.")})


class Campaign(models.Model):
    """An inbound SMS queue. Its rules live here (field validators, ``clean()``, constraints);
    the service runs them with ``full_clean()``, forms and serializers derive from the fields."""

    # The fields a user sets: the form, the serializer and the service all read this list.
    EDITABLE = (
        "name",
        "security_group",
        "service_level",
        "did",
        "provider",
        "strategy",
        "schedules",
        "out_of_time_message",
        "threshold_service_level",
        "threshold_abandon",
        "threshold_chat_time",
        "threshold_acd",
        "max_interactions_per_agent",
        "enabled",
    )

    name = NameField(
        _("name"),
        unique_message=_("A campaign with this name exists already."),
        blank_message=_("Give the campaign a name."),
    )
    security_group = models.ForeignKey(
        SecurityGroup,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("security group"),
    )
    service_level = models.PositiveSmallIntegerField(
        _("service level (%)"), default=80, validators=[MaxValueValidator(100)]
    )
    did = models.CharField(_("DID / ports"), max_length=100, blank=True)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("SMS provider")
    )
    strategy = models.CharField(
        _("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.ROUND_ROBIN
    )
    schedules = models.ManyToManyField(
        Schedule, blank=True, related_name="campaigns", verbose_name=_("schedules")
    )
    out_of_time_message = models.TextField(
        _("out of time message"),
        blank=True,
        default="Thanks for your message. We are closed now; we will answer as soon as we open.",
    )
    threshold_service_level = models.PositiveIntegerField(
        _("service level threshold (s)"), default=60
    )
    threshold_abandon = models.PositiveIntegerField(_("abandon threshold (s)"), default=600)
    threshold_chat_time = models.PositiveIntegerField(_("chat time threshold (s)"), default=900)
    threshold_acd = models.PositiveIntegerField(_("ACD: customers waiting"), default=10)
    max_interactions_per_agent = models.PositiveSmallIntegerField(
        _("maximum interactions per agent"), default=3, validators=[MinValueValidator(1)]
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "did"],
                condition=~Q(did=""),
                name="unique_did_per_provider",
                violation_error_message=_("This DID is already used on this provider."),
            ),
            models.CheckConstraint(
                condition=Q(service_level__lte=100), name="service_level_percent"
            ),
            models.CheckConstraint(
                condition=Q(max_interactions_per_agent__gte=1), name="max_interactions_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.did = (self.did or "").strip()
        if self.did and self.provider_id is not None:
            clash = Campaign.objects.filter(provider_id=self.provider_id, did=self.did)
            if clash.exclude(pk=self.pk).exists():
                # Never name the other campaign: it may be outside the user's security groups.
                raise ValidationError(
                    {
                        "did": _(
                            "DID “%(did)s” is already used by another campaign on this provider."
                        )
                        % {"did": self.did}
                    }
                )


class CampaignMember(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_memberships"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "agent"], name="unique_campaign_member")
        ]

    def __str__(self) -> str:
        return f"{self.agent} in {self.campaign}"


class PresetResponse(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="preset_responses"
    )
    title = models.CharField(
        _("title"), max_length=100, error_messages={"blank": _("Give it a title.")}
    )
    text = models.TextField(
        _("text"),
        max_length=1600,
        validators=[MaxLengthValidator(1600)],
        error_messages={"blank": _("The text is empty.")},
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not (self.text or "").strip():
            raise ValidationError({"text": self._meta.get_field("text").error_messages["blank"]})
