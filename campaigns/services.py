"""Campaign, schedule and member services: validate everything, then write, or write nothing."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

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
    Strategy,
)
from campaigns.schedules import valid_time_zone
from campaigns.selectors import agents_for, campaigns_for, providers_for

logger = logging.getLogger("contactcenter.campaigns")

CAMPAIGN_FIELDS = (
    "name",
    "security_group",
    "service_level",
    "did",
    "provider",
    "strategy",
    "out_of_time_message",
    "threshold_service_level",
    "threshold_abandon",
    "threshold_chat_time",
    "threshold_acd",
    "max_interactions_per_agent",
    "enabled",
)
NON_NEGATIVE = (
    "threshold_service_level",
    "threshold_abandon",
    "threshold_chat_time",
    "threshold_acd",
)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def check_campaign(*, user: User, campaign: Campaign | None, values: dict[str, Any]) -> dict:
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = "Give the campaign a name."
    elif Campaign.objects.filter(name=name).exclude(pk=getattr(campaign, "pk", None)).exists():
        errors["name"] = f"A campaign named “{name}” exists already."
    group = values.get("security_group")
    if group is None or not groups_for(user).filter(pk=getattr(group, "pk", group)).exists():
        errors["security_group"] = "Choose one of your security groups."
    provider = values.get("provider")
    if (
        provider is None
        or not providers_for(user).filter(pk=getattr(provider, "pk", provider)).exists()
    ):
        errors["provider"] = "Choose an SMS provider available to your security groups."
    did = (values.get("did") or "").strip()
    if did and "provider" not in errors:
        clash = (
            Campaign.objects.filter(provider=provider, did=did)
            .exclude(pk=getattr(campaign, "pk", None))
            .first()
        )
        if clash:
            errors["did"] = (
                f"DID “{did}” is already used by campaign “{clash.name}” on this provider."
            )
    if values.get("strategy") not in Strategy.values:
        errors["strategy"] = f"Choose one of {', '.join(Strategy.values)}."
    level = _as_int(values.get("service_level"))
    if level is None or not 0 <= level <= 100:
        errors["service_level"] = "A percentage between 0 and 100."
    for key in NON_NEGATIVE:
        number = _as_int(values.get(key))
        if number is None or number < 0:
            errors[key] = "A whole number of 0 or more."
    maximum = _as_int(values.get("max_interactions_per_agent"))
    if maximum is None or maximum < 1:
        errors["max_interactions_per_agent"] = "At least 1."
    return errors


def _check_presets(presets: list[dict[str, str]]) -> dict[str, str]:
    for index, preset in enumerate(presets, start=1):
        if not (preset.get("title") or "").strip():
            return {"preset_responses": f"Pre-set response {index}: give it a title."}
        if not (preset.get("text") or "").strip():
            return {"preset_responses": f"Pre-set response {index}: the text is empty."}
        if len(preset["text"]) > 1600:
            return {"preset_responses": f"Pre-set response {index}: over 1600 characters."}
    return {}


def save_campaign(
    *,
    user: User,
    campaign: Campaign | None,
    values: dict[str, Any],
    schedules: list[Schedule] | None = None,
    presets: list[dict[str, str]] | None = None,
) -> Campaign:
    """Create or update a campaign with its schedules and pre-set responses (in order).

    ``values`` holds every field of CAMPAIGN_FIELDS for a create, any of them for an update;
    ``schedules`` / ``presets`` left None keep the current ones. ValidationError (a message per
    field) stores nothing.
    """
    if campaign is not None and not campaigns_for(user).filter(pk=campaign.pk).exists():
        raise ValidationError({"campaign": "No such campaign."})
    current = (
        {k: getattr(campaign, k) for k in CAMPAIGN_FIELDS}
        if campaign
        else {k: Campaign._meta.get_field(k).get_default() for k in CAMPAIGN_FIELDS}
    )
    merged = {**current, **{k: v for k, v in values.items() if k in CAMPAIGN_FIELDS}}
    errors = check_campaign(user=user, campaign=campaign, values=merged)
    if presets is not None:
        errors.update(_check_presets(presets))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            target = campaign or Campaign()
            for key in CAMPAIGN_FIELDS:
                setattr(target, key, merged[key])
            target.name = merged["name"].strip()
            target.did = (merged["did"] or "").strip()
            target.save()
            if schedules is not None:
                target.schedules.set(schedules)
            if presets is not None:
                target.preset_responses.all().delete()
                PresetResponse.objects.bulk_create(
                    PresetResponse(
                        campaign=target, title=p["title"].strip(), text=p["text"], position=i
                    )
                    for i, p in enumerate(presets)
                )
    except IntegrityError as exc:  # a concurrent save took the name or the DID
        raise ValidationError({"name": f"Not saved, try again: {exc}"}) from exc
    logger.info("campaign saved", extra={"campaign": target.pk, "user": user.username})
    return target


def delete_campaign(*, user: User, campaign: Campaign) -> None:
    """Delete a campaign with no history; refused (ValidationError, with the reason) otherwise."""
    if not campaigns_for(user).filter(pk=campaign.pk).exists():
        raise ValidationError("No such campaign.")
    try:
        with transaction.atomic():
            campaign.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ValidationError(
            f"“{campaign.name}” has {' and '.join(kinds)}; deleting it would lose them. "
            "Disable the campaign instead: it keeps its data and can be enabled again."
        ) from exc


# ----------------------------------------------------------------------------------- members
def _agents(user: User, agents: list[User]) -> list[User]:
    not_agents = [a.username for a in agents if a.role != Role.AGENT]
    if not_agents:
        raise ValidationError({"agents": f"Only agents can be members: {', '.join(not_agents)}."})
    allowed = set(agents_for(user).values_list("pk", flat=True))
    outside = [a.username for a in agents if a.pk not in allowed]
    if outside:
        raise ValidationError(
            {"agents": f"Not agents of your security groups: {', '.join(outside)}."}
        )
    return agents


def _visible(user: User, campaigns: list[Campaign]) -> list[Campaign]:
    allowed = set(campaigns_for(user).values_list("pk", flat=True))
    if any(c.pk not in allowed for c in campaigns):
        raise ValidationError({"campaigns": "No such campaign."})
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
    return len(new)


@transaction.atomic
def remove_members(*, user: User, campaigns: list[Campaign], agents: list[User]) -> int:
    _visible(user, campaigns)
    deleted, _ = CampaignMember.objects.filter(campaign__in=campaigns, agent__in=agents).delete()
    return deleted


# ----------------------------------------------------------------------------------- schedules
def check_schedule(
    *, schedule: Schedule | None, name: str, time_zone: str, rules: list[dict], holidays: list[dict]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the schedule a name."
    elif Schedule.objects.filter(name=name).exclude(pk=getattr(schedule, "pk", None)).exists():
        errors["name"] = f"A schedule named “{name}” exists already."
    if not valid_time_zone(time_zone):
        errors["time_zone"] = f"“{time_zone}” is not a time zone (e.g. America/Montevideo)."
    for i, rule in enumerate(rules, start=1):
        days = rule.get("weekdays") or []
        if not days or any(d not in range(7) for d in days):
            errors["rules"] = f"Rule {i}: choose at least one weekday (0 = Monday … 6 = Sunday)."
        elif rule.get("start") is None or rule.get("end") is None:
            errors["rules"] = f"Rule {i}: give a start and an end time."
        elif not rule.get("overnight") and rule["end"] <= rule["start"]:
            errors["rules"] = (
                f"Rule {i}: the end ({rule['end']:%H:%M}) is not after the start "
                f"({rule['start']:%H:%M}); tick “ends the next day” for a range "
                "across midnight."
            )
        if "rules" in errors:
            break
    seen = set()
    for i, holiday in enumerate(holidays, start=1):
        start, end = holiday.get("start"), holiday.get("end")
        if holiday.get("date") is None:
            errors["holidays"] = f"Holiday {i}: give a date."
        elif holiday["date"] in seen:
            errors["holidays"] = f"Holiday {i}: {holiday['date']} is listed twice."
        elif (start is None) != (end is None):
            errors["holidays"] = f"Holiday {i}: give both opening and closing times, or neither."
        elif start is not None and end <= start:
            errors["holidays"] = f"Holiday {i}: it closes before it opens."
        if "holidays" in errors:
            break
        seen.add(holiday["date"])
    return errors


@transaction.atomic
def save_schedule(
    *, schedule: Schedule | None, name: str, time_zone: str, rules: list[dict], holidays: list[dict]
) -> Schedule:
    """Create or replace a schedule with its rules and holidays. ValidationError stores nothing."""
    errors = check_schedule(
        schedule=schedule, name=name, time_zone=time_zone, rules=rules, holidays=holidays
    )
    if errors:
        raise ValidationError(errors)
    target = schedule or Schedule()
    target.name, target.time_zone = name.strip(), time_zone
    target.save()
    target.rules.all().delete()
    target.holidays.all().delete()
    ScheduleRule.objects.bulk_create(
        ScheduleRule(
            schedule=target,
            weekdays=sorted(set(r["weekdays"])),
            start=r["start"],
            end=r["end"],
            overnight=bool(r.get("overnight")),
        )
        for r in rules
    )
    Holiday.objects.bulk_create(
        Holiday(
            schedule=target,
            date=h["date"],
            name=h.get("name", ""),
            start=h.get("start"),
            end=h.get("end"),
        )
        for h in holidays
    )
    return target


def delete_schedule(*, schedule: Schedule) -> None:
    users = list(schedule.campaigns.values_list("name", flat=True))
    if users:
        raise ValidationError(
            f"“{schedule.name}” is attached to {', '.join(users)}; detach it first."
        )
    schedule.delete()
