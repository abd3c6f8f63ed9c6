"""Campaign, schedule and member services: validate everything, then write, or write nothing."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import groups_for
from campaigns.models import (
    Campaign,
    CampaignMember,
    Holiday,
    PresetResponse,
    Schedule,
    ScheduleRule,
)
from campaigns.selectors import agents_for, campaigns_for, providers_for, schedules_for
from campaigns.signals import members_added, members_removed
from contactcenter.services import model_update

logger = logging.getLogger("contactcenter.campaigns")


def _check_access(user: User, values: dict[str, Any]) -> dict[str, str]:
    """What only the service knows: which groups, providers and schedules the user may use."""
    errors: dict[str, str] = {}
    if "security_group" in values:
        group = values["security_group"]
        if group is None or not groups_for(user).filter(pk=getattr(group, "pk", group)).exists():
            errors["security_group"] = _("Choose one of your security groups.")
    if "provider" in values:
        provider = values["provider"]
        if (
            provider is None
            or not providers_for(user).filter(pk=getattr(provider, "pk", provider)).exists()
        ):
            errors["provider"] = _("Choose an SMS provider available to your security groups.")
    if values.get("schedules"):
        wanted = {getattr(s, "pk", s) for s in values["schedules"]}
        if len(wanted) != schedules_for(user).filter(pk__in=wanted).count():
            errors["schedules"] = _("Choose schedules of your security groups.")
    return errors


def _check_presets(presets: list[dict[str, str]]) -> dict[str, str]:
    rows = [
        PresetResponse(title=(p.get("title") or "").strip(), text=p.get("text") or "")
        for p in presets
    ]
    error = _row_errors(rows, _("Pre-set response %(n)d: %(error)s"), ["campaign", "position"])
    return {"preset_responses": error} if error else {}


def save_campaign(
    *,
    user: User,
    campaign: Campaign | None,
    values: dict[str, Any],
    schedules: list[Schedule] | None = None,
    presets: list[dict[str, str]] | None = None,
) -> Campaign:
    """Create or update a campaign with its schedules and pre-set responses (in order).

    ``values`` holds every field of ``Campaign.EDITABLE`` for a create, any of them for an
    update; ``schedules`` / ``presets`` left None keep the current ones. The model's rules run
    (``full_clean``); ValidationError (a message per field) stores nothing.
    """
    if campaign is not None and not campaigns_for(user).filter(pk=campaign.pk).exists():
        raise ValidationError({"campaign": _("No such campaign.")})
    data = {k: v for k, v in values.items() if k in Campaign.EDITABLE}
    if schedules is not None:
        data["schedules"] = list(schedules)
    if campaign is None:
        # A create names every field the user must choose (the model's defaults do the rest).
        data.setdefault("security_group", None)
        data.setdefault("provider", None)
    errors = _check_access(user, data)
    if campaign is not None and "schedules" in data:
        # Schedules an admin attached from outside the user's groups stay attached: the user
        # neither sees nor detaches them.
        hidden = campaign.schedules.exclude(pk__in=schedules_for(user).values("pk"))
        data["schedules"] = [*data["schedules"], *hidden]
    if presets is not None:
        errors.update(_check_presets(presets))
    try:
        with transaction.atomic():
            target, _changed = model_update(
                instance=campaign or Campaign(),
                fields=Campaign.EDITABLE,
                data=data,
                extra_errors=errors,
            )
            if presets is not None:
                target.preset_responses.all().delete()
                PresetResponse.objects.bulk_create(
                    PresetResponse(
                        campaign=target, title=p["title"].strip(), text=p["text"], position=i
                    )
                    for i, p in enumerate(presets)
                )
    except IntegrityError as exc:  # a concurrent save took the name or the DID
        raise ValidationError(
            {"name": _("Not saved (changed by someone else meanwhile); try again.")}
        ) from exc
    logger.info("campaign saved", extra={"campaign": target.pk, "user": user.username})
    return target


# What keeps a campaign from being deleted, as the refusal names it (the models have no
# translated verbose names of their own).
PROTECTING = {
    "dialer.dialer": gettext_lazy("a dialer"),
    "dialer.spoolrow": gettext_lazy("messages in its spool"),
    "conversations.interaction": gettext_lazy("interactions"),
}


def delete_campaign(*, user: User, campaign: Campaign) -> None:
    """Delete a campaign with no history; refused (ValidationError, with the reason) otherwise."""
    if not campaigns_for(user).filter(pk=campaign.pk).exists():
        raise ValidationError(_("No such campaign."))
    try:
        with transaction.atomic():
            campaign.delete()
    except ProtectedError as exc:
        kinds = sorted(
            {
                str(PROTECTING.get(obj._meta.label_lower, obj._meta.verbose_name_plural))
                for obj in exc.protected_objects
            }
        )
        raise ValidationError(
            _(
                "“%(name)s” has %(kinds)s; deleting it would lose them. Disable the campaign "
                "instead: it keeps its data and can be enabled again."
            )
            % {"name": campaign.name, "kinds": _(" and ").join(kinds)}
        ) from exc


# ----------------------------------------------------------------------------------- members
def _agents(user: User, agents: list[User]) -> list[User]:
    not_agents = [a.username for a in agents if a.role != Role.AGENT]
    if not_agents:
        raise ValidationError(
            {
                "agents": _("Only agents can be members: %(names)s.")
                % {"names": ", ".join(not_agents)}
            }
        )
    allowed = set(agents_for(user).values_list("pk", flat=True))
    outside = [a.username for a in agents if a.pk not in allowed]
    if outside:
        raise ValidationError(
            {
                "agents": _("Not agents of your security groups: %(names)s.")
                % {"names": ", ".join(outside)}
            }
        )
    return agents


def _visible(user: User, campaigns: list[Campaign]) -> list[Campaign]:
    allowed = set(campaigns_for(user).values_list("pk", flat=True))
    if any(c.pk not in allowed for c in campaigns):
        raise ValidationError({"campaigns": _("No such campaign.")})
    return campaigns


@transaction.atomic
def add_members(*, user: User, campaigns: list[Campaign], agents: list[User]) -> int:
    """Add every agent to every campaign; returns how many memberships were new."""
    pairs = [(c, a) for c in _visible(user, campaigns) for a in _agents(user, agents)]
    existing = set(
        CampaignMember.objects.filter(campaign__in=campaigns, agent__in=agents).values_list(
            "campaign_id", "agent_id"
        )
    )
    new = [CampaignMember(campaign=c, agent=a) for c, a in pairs if (c.pk, a.pk) not in existing]
    CampaignMember.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        members_added.send(
            sender=Campaign,
            agent_ids=sorted({m.agent_id for m in new}),
            campaign_ids=sorted({m.campaign_id for m in new}),
        )
    return len(new)


@transaction.atomic
def remove_members(*, user: User, campaigns: list[Campaign], agents: list[User]) -> int:
    """Take the agents out of the campaigns. ``members_removed`` is sent in the transaction for
    each agent who left one (conversations requeues what they held there; their sockets leave
    the campaigns' groups)."""
    _visible(user, campaigns)
    with transaction.atomic():
        rows = CampaignMember.objects.filter(campaign__in=campaigns, agent__in=agents)
        left: dict[int, list[int]] = {}
        for agent_id, campaign_id in rows.values_list("agent_id", "campaign_id"):
            left.setdefault(agent_id, []).append(campaign_id)
        deleted, _count = rows.delete()
        for agent_id, campaign_ids in left.items():
            members_removed.send(sender=Campaign, agent_id=agent_id, campaign_ids=campaign_ids)
    return deleted


# ----------------------------------------------------------------------------------- schedules
_KEEP = object()


def _row_errors(rows: list[models.Model], label: str, exclude: list[str]) -> str | None:
    """The first problem of a rule or holiday row, from the model's own checks, numbered."""
    for index, row in enumerate(rows, start=1):
        try:
            row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            message = next(iter(exc.message_dict.values()))[0]
            return label % {"n": index, "error": message}
    return None


def _schedule_rows(
    rules: list[dict], holidays: list[dict]
) -> tuple[list[ScheduleRule], list[Holiday], dict[str, str]]:
    rule_rows = [
        ScheduleRule(
            weekdays=sorted(set(r.get("weekdays") or [])) if _int_days(r) else r.get("weekdays"),
            start=r.get("start"),
            end=r.get("end"),
            overnight=bool(r.get("overnight")),
        )
        for r in rules
    ]
    holiday_rows = [
        Holiday(
            date=h.get("date"),
            name=h.get("name") or "",
            start=h.get("start"),
            end=h.get("end"),
        )
        for h in holidays
    ]
    errors: dict[str, str] = {}
    if error := _row_errors(rule_rows, _("Rule %(n)d: %(error)s"), ["schedule"]):
        errors["rules"] = error
    if error := _row_errors(holiday_rows, _("Holiday %(n)d: %(error)s"), ["schedule"]):
        errors["holidays"] = error
    else:
        seen: set = set()
        for index, row in enumerate(holiday_rows, start=1):
            if row.date in seen:
                errors["holidays"] = _("Holiday %(n)d: %(date)s is listed twice.") % {
                    "n": index,
                    "date": row.date,
                }
                break
            seen.add(row.date)
    return rule_rows, holiday_rows, errors


def _int_days(rule: dict) -> bool:
    days = rule.get("weekdays")
    return isinstance(days, list | tuple) and all(
        isinstance(d, int) and not isinstance(d, bool) for d in days
    )


@transaction.atomic
def save_schedule(
    *,
    schedule: Schedule | None,
    name: str,
    time_zone: str,
    rules: list[dict],
    holidays: list[dict],
    user: User | None = None,
    security_group: object = _KEEP,
) -> Schedule:
    """Create or replace a schedule with its rules and holidays. ValidationError stores nothing.

    ``user`` (None: a trusted caller in code) may only touch schedules of their security groups
    and only give one of their groups; supervisors must give one, admins may leave it empty
    (admins only). ``security_group`` left out keeps the current one.
    """
    errors: dict[str, str] = {}
    if (
        user is not None
        and schedule is not None
        and not schedules_for(user).filter(pk=schedule.pk).exists()
    ):
        raise ValidationError({"schedule": _("No such schedule.")})
    data: dict[str, object] = {"name": name, "time_zone": time_zone}
    if security_group is not _KEEP:
        data["security_group"] = security_group
    if (
        user is not None
        and user.role != Role.ADMIN
        and schedule is None
        and data.get("security_group") is None
    ):
        # A supervisor of one group needs not say which: it is that one.
        groups = list(groups_for(user)[:2])
        data["security_group"] = groups[0] if len(groups) == 1 else None
    if user is not None and "security_group" in data:
        group = data["security_group"]
        if group is None:
            if user.role != Role.ADMIN:
                errors["security_group"] = _("Choose one of your security groups.")
        elif not groups_for(user).filter(pk=getattr(group, "pk", group)).exists():
            errors["security_group"] = _("Choose one of your security groups.")
    rule_rows, holiday_rows, row_errors = _schedule_rows(rules, holidays)
    errors.update(row_errors)
    target, _changed = model_update(
        instance=schedule or Schedule(), fields=Schedule.EDITABLE, data=data, extra_errors=errors
    )
    target.rules.all().delete()
    target.holidays.all().delete()
    for row in (*rule_rows, *holiday_rows):
        row.schedule = target
    ScheduleRule.objects.bulk_create(rule_rows)
    Holiday.objects.bulk_create(holiday_rows)
    return target


def delete_schedule(*, schedule: Schedule, user: User | None = None) -> None:
    """Delete a schedule nothing uses. Refused (ValidationError) while campaigns or dialers use
    it, naming those the user may see and counting the others (never naming them)."""
    if user is not None and not schedules_for(user).filter(pk=schedule.pk).exists():
        raise ValidationError(_("No such schedule."))
    with transaction.atomic():
        locked = Schedule.objects.select_for_update().get(pk=schedule.pk)
        campaigns = list(locked.campaigns.all())
        dialers = list(locked.dialers.select_related("campaign"))
        if campaigns or dialers:
            visible = (
                set(campaigns_for(user).values_list("pk", flat=True)) if user is not None else None
            )
            names = [
                _("campaign “%(name)s”") % {"name": c.name}
                for c in campaigns
                if visible is None or c.pk in visible
            ] + [
                _("dialer “%(name)s”") % {"name": d.name}
                for d in dialers
                if visible is None or d.campaign_id in visible
            ]
            hidden = len(campaigns) + len(dialers) - len(names)
            if hidden:
                names.append(
                    ngettext(
                        "%(count)d other outside your security groups",
                        "%(count)d others outside your security groups",
                        hidden,
                    )
                    % {"count": hidden}
                )
            raise ValidationError(
                _(
                    "“%(schedule)s” is attached to %(users)s; detach it first (a dialer or "
                    "campaign without schedules is open at all hours)."
                )
                % {"schedule": schedule.name, "users": ", ".join(names)}
            )
        locked.delete()
