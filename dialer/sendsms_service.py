"""SendSMS's rules: which campaign a message joins (``campaign`` and the legacy ``api``), the
destination's form, the agent's membership; then the message is queued at top priority. The
view (``dialer.sendsms``) parses the request and calls ``queue_sendsms``."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from campaigns.models import Campaign, CampaignMember
from campaigns.selectors import campaigns_for, providers_for
from contactcenter.phones import compact, is_phone_number
from dialer.models import Dialer, SpoolRow
from dialer.services import queue_message
from dialer.states import SpoolKind
from providers.services import number_matches


def is_member(campaign: Campaign | None, username: str) -> bool:
    return (
        campaign is not None
        and CampaignMember.objects.filter(
            campaign=campaign, agent__username=username, agent__role=Role.AGENT
        ).exists()
    )


@dataclass
class Route:
    campaign: Campaign | None
    errors: dict[str, str]


def resolve_route(user: User, name: str, api: str) -> Route:
    """The campaign a SendSMS message joins, from ``campaign`` and the legacy ``api``."""
    campaigns = campaigns_for(user)
    provider = providers_for(user).filter(name=api).first() if api else None
    if provider is None:
        if api and not name:
            name = api  # older clients name the campaign in ``api``
        if not name:
            return Route(None, {"campaign": _("Name the campaign.")})
        campaign = campaigns.filter(name=name).first()
        if campaign is None:
            return Route(None, {"campaign": _("Unknown campaign “%(name)s”.") % {"name": name}})
        return Route(campaign, {})
    through = Dialer.objects.filter(provider=provider, campaign__in=campaigns)
    if name:
        campaign = campaigns.filter(name=name).first()
        if campaign is None:
            return Route(None, {"campaign": _("Unknown campaign “%(name)s”.") % {"name": name}})
        if not through.filter(campaign=campaign).exists():
            return Route(
                None,
                {
                    "api": _(
                        "Campaign “%(campaign)s” does not send through provider “%(provider)s”: "
                        "its dialer uses another provider, or it has no dialer."
                    )
                    % {"campaign": campaign.name, "provider": provider.name}
                },
            )
        return Route(campaign, {})
    ids = list(through.values_list("campaign_id", flat=True)[:2])
    if len(ids) != 1:
        problem = (
            _("No campaign of yours sends through provider “%(provider)s”.")
            if not ids
            else _("Several campaigns send through provider “%(provider)s”: name one in campaign.")
        )
        return Route(None, {"campaign": problem % {"provider": provider.name}})
    return Route(campaigns.get(pk=ids[0]), {})


def queue_sendsms(
    *, user: User, destination: str, message: str, campaign: str, agent: str, api: str
) -> SpoolRow:
    """Queue one SendSMS message for ``user``; ValidationError naming every field at fault."""
    number = compact(destination) if is_phone_number(destination) else ""
    agent = agent.strip()
    route = resolve_route(user, campaign.strip(), api.strip())
    chosen = route.campaign
    errors = dict(route.errors)
    if not destination.strip():
        errors["destination"] = _("Give a destination number.")
    elif not number:
        errors["destination"] = _("“%(value)s” is not a phone number.") % {
            "value": destination[:40]
        }
    elif chosen is not None:
        dialer = Dialer.objects.filter(campaign=chosen).select_related("provider").first()
        if dialer is not None and not number_matches(dialer.provider, number):
            errors["destination"] = _("%(number)s does not match the provider's number format.") % {
                "number": number
            }
    if not message.strip():
        errors["message"] = _("The message is empty.")
    if agent and not is_member(chosen, agent):
        # One answer for unknown agents and for agents of other campaigns: nothing to learn.
        errors["agent"] = _("“%(agent)s” is not an agent of this campaign.") % {"agent": agent}
    if errors:
        raise ValidationError(errors)
    return queue_message(
        campaign=chosen,
        destination=number,
        message=message,
        data=f"agent={agent}" if agent else "",
        kind=SpoolKind.SENDSMS,
        agent=User.objects.get(username=agent) if agent else None,
    )
