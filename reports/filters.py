"""A report's filters, read from a query string (page and API alike) and checked: each problem
is a message naming its field, and nothing is read until every field is right."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from campaigns.models import Campaign
from campaigns.selectors import agents_for, campaigns_for

MAX_DAYS = 366
DEFAULT_DAYS = 7


@dataclasses.dataclass(frozen=True)
class ReportFilters:
    start: dt.date
    end: dt.date
    campaigns: tuple[int, ...]  # the campaigns the report covers (all the user may see if none)
    agents: tuple[int, ...]  # empty: every agent
    chosen_campaigns: tuple[int, ...]  # as asked (empty: all)

    def query(self) -> dict[str, Any]:
        """The filters as query-string values (links to the CSV downloads, the API)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "campaign": list(self.chosen_campaigns),
            "agent": list(self.agents),
        }


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else params.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    values: list[str] = []
    for item in raw:  # repeatable, and comma-separated lists too
        values += [v.strip() for v in str(item).split(",") if v.strip()]
    return values


def _date(params: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> dt.date | None:
    value = (_values(params, name) or [""])[0]
    if not value:
        return None
    try:
        if len(value) != 10:  # 2026-11-26 only: no date-times, no week or ordinal forms
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.setdefault(name, []).append(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}
        )
        return None


def _ids(params: Mapping[str, Any], name: str, errors: dict[str, list[str]], bad: str) -> list[int]:
    ids = []
    for value in _values(params, name):
        if not value.isdigit() or not 0 < int(value) < 2**63:
            errors.setdefault(name, []).append(bad % {"value": value})
            continue
        ids.append(int(value))
    return ids


def parse_filters(user: User, params: Mapping[str, Any]) -> ReportFilters:
    """Read ``start``, ``end`` (dates in the portal's time zone; default: the last 7 days),
    ``campaign`` and ``agent`` (ids, repeatable). Raises ValidationError naming each bad field
    (a malformed date, the end before the start, a range over a year, an id nothing has), and
    Http404 for a campaign or agent that exists outside the user's security groups."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    start = _date(params, "start", errors)
    end = _date(params, "end", errors)
    campaign_ids = _ids(params, "campaign", errors, _("“%(value)s” is not a campaign id."))
    agent_ids = _ids(params, "agent", errors, _("“%(value)s” is not an agent id."))
    if "start" not in errors and "end" not in errors:
        end = end or (start + dt.timedelta(days=DEFAULT_DAYS - 1) if start else today)
        start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if end < start:
            errors["end"] = [
                _("The end date (%(end)s) is before the start date (%(start)s).")
                % {"end": end.isoformat(), "start": start.isoformat()}
            ]
        elif (end - start).days + 1 > MAX_DAYS:
            errors["end"] = [_("Choose at most %(days)s days.") % {"days": MAX_DAYS}]
    visible = campaigns_for(user)
    if campaign_ids:
        existing = set(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", flat=True))
        unknown = [c for c in campaign_ids if c not in existing]
        if unknown:
            errors.setdefault("campaign", []).append(
                _("No campaign has the id %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
            )
    if agent_ids:
        existing = set(
            User.objects.filter(pk__in=agent_ids, role=Role.AGENT).values_list("pk", flat=True)
        )
        unknown = [a for a in agent_ids if a not in existing]
        if unknown:
            errors.setdefault("agent", []).append(
                _("No agent has the id %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
            )
    if errors:
        raise ValidationError(errors)
    if campaign_ids:
        allowed = set(visible.filter(pk__in=campaign_ids).values_list("pk", flat=True))
        if len(allowed) < len(set(campaign_ids)):
            raise Http404(_("No such campaign."))
    if agent_ids:
        allowed_agents = set(agents_for(user).filter(pk__in=agent_ids).values_list("pk", flat=True))
        if len(allowed_agents) < len(set(agent_ids)):
            raise Http404(_("No such agent."))
    covered = campaign_ids or list(visible.values_list("pk", flat=True))
    return ReportFilters(
        start=start,
        end=end,
        campaigns=tuple(sorted(set(covered))),
        agents=tuple(sorted(set(agent_ids))),
        chosen_campaigns=tuple(sorted(set(campaign_ids))),
    )
