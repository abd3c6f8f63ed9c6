"""The recordings' filters, checked once for the page, the API and the exports.

The manual's filters (start date, end date, origin, campaigns, agents) plus a free text searched
in message text. One form checks them all, so the page and the API refuse bad input with the
same messages, naming the field: start after end, an unknown campaign or agent, a number that is
no phone number. A campaign outside a supervisor's groups is no error: the results are scoped
anyway, so it contributes nothing (and its interactions answer 404 by id).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from campaigns.models import Campaign
from contactcenter.lookups import BIGINT_MAX
from contactcenter.phones import customer_number

MAX_IDS = 200  # campaigns or agents in one filter
MAX_TEXT = 200


@dataclass(frozen=True)
class Filters:
    start: dt.datetime | None = None
    end: dt.datetime | None = None  # exclusive
    origin: str = ""  # the customer's number as interactions store it
    campaigns: tuple[int, ...] = ()
    agents: tuple[int, ...] = ()
    text: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_json(self) -> dict[str, Any]:
        """What an export job stores: the filters as the API takes them."""
        return self.raw


def _moment(value: str, *, end: bool) -> dt.datetime:
    """A date (the whole day: an end date includes it) or a date-time, in the portal's zone when
    it names none."""
    value = value.strip()
    try:
        day = parse_date(value) if len(value) <= 10 else None
    except ValueError:  # 2026-13-45: shaped like a date, but none
        raise ValidationError(_("Give a date (2026-05-31) or a date and time.")) from None
    if day is not None:
        if end:
            day += dt.timedelta(days=1)
        moment = dt.datetime.combine(day, dt.time())
    else:
        try:
            moment = parse_datetime(value.replace(" ", "T", 1))
        except ValueError:
            moment = None
        if moment is None:
            raise ValidationError(_("Give a date (2026-05-31) or a date and time."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise ValidationError(_("This date is out of range.")) from exc


def _ids(values: list[str], label: str) -> tuple[int, ...]:
    found: list[int] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            if not (part.isascii() and part.isdigit()) or not 0 < int(part) <= BIGINT_MAX:
                raise ValidationError(
                    _("“%(value)s” is not a %(label)s id.") % {"value": part, "label": label}
                )
            found.append(int(part))
    if len(found) > MAX_IDS:
        raise ValidationError(_("Choose at most %(count)s.") % {"count": MAX_IDS})
    return tuple(dict.fromkeys(found))


def parse_filters(data: Any) -> Filters:
    """``data`` (a QueryDict, or a dict of strings / lists) as Filters; ValidationError naming
    each bad field otherwise."""

    def many(name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        if value in (None, ""):
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

    def one(name: str) -> str:
        values = many(name)
        return values[-1].strip() if values else ""

    errors: dict[str, list[str]] = {}
    start = end = None
    origin = ""
    campaigns: tuple[int, ...] = ()
    agents: tuple[int, ...] = ()
    for name in ("start", "end"):
        if one(name):
            try:
                moment = _moment(one(name), end=name == "end")
            except ValidationError as exc:
                errors[name] = exc.messages
            else:
                start, end = (moment, end) if name == "start" else (start, moment)
    if start and end and start >= end:
        errors.setdefault("end", []).append(_("The end date must come after the start date."))
    if one("origin"):
        raw = one("origin")
        number = customer_number(raw)
        digits = sum(ch.isdigit() for ch in number)
        if not 3 <= digits <= 20 or len(raw) > 40:
            errors["origin"] = [_("“%(value)s” is not a phone number.") % {"value": raw[:40]}]
        else:
            origin = number
    try:
        campaigns = _ids(many("campaign"), _("campaign"))
        known = set(Campaign.objects.filter(pk__in=campaigns).values_list("pk", flat=True))
        if unknown := [str(pk) for pk in campaigns if pk not in known]:
            raise ValidationError(_("Unknown campaign: %(ids)s.") % {"ids": ", ".join(unknown)})
    except ValidationError as exc:
        errors["campaign"] = exc.messages
    try:
        agents = _ids(many("agent"), _("agent"))
        known = set(
            User.objects.filter(pk__in=agents, role=Role.AGENT).values_list("pk", flat=True)
        )
        if unknown := [str(pk) for pk in agents if pk not in known]:
            raise ValidationError(_("Unknown agent: %(ids)s.") % {"ids": ", ".join(unknown)})
    except ValidationError as exc:
        errors["agent"] = exc.messages
    text = " ".join(one("q").split())
    if len(text) > MAX_TEXT:
        errors["q"] = [_("Search for at most %(count)s characters.") % {"count": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    raw = {
        "start": one("start"),
        "end": one("end"),
        "origin": one("origin"),
        "campaign": [str(pk) for pk in campaigns],
        "agent": [str(pk) for pk in agents],
        "q": text,
    }
    return Filters(start, end, origin, campaigns, agents, text, {k: v for k, v in raw.items() if v})


class FilterForm(forms.Form):
    """The page's filter form: only its widgets and choices (checking is ``parse_filters``)."""

    start = forms.CharField(label=gettext_lazy("Start date"), required=False)
    end = forms.CharField(label=gettext_lazy("End date"), required=False)
    origin = forms.CharField(label=gettext_lazy("Origin"), required=False)
    campaign = forms.MultipleChoiceField(label=gettext_lazy("Campaigns"), required=False)
    agent = forms.MultipleChoiceField(label=gettext_lazy("Agents"), required=False)
    q = forms.CharField(label=gettext_lazy("Text"), required=False)
