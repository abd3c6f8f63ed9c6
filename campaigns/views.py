from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import section_required
from accounts.roles import Section
from campaigns.forms import (
    CampaignForm,
    HolidayFormSet,
    MembersForm,
    PresetFormSet,
    RuleFormSet,
    ScheduleForm,
    filled,
)
from campaigns.models import Campaign, CampaignMember
from campaigns.selectors import (
    agents_for,
    campaign_for_user,
    campaigns_for,
    schedule_for_user,
    schedules_for,
)
from campaigns.services import (
    add_members,
    delete_campaign,
    delete_schedule,
    remove_members,
    save_campaign,
    save_schedule,
)
from contactcenter.service_errors import add_errors


@section_required(Section.CAMPAIGNS)
def campaign_page(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    campaign = campaign_for_user(user=request.user, pk=pk) if pk else None
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    initial = (
        [{"title": p.title, "text": p.text} for p in campaign.preset_responses.all()]
        if campaign
        else []
    )
    presets = PresetFormSet(request.POST or None, initial=initial, prefix="presets")
    preset_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and presets.is_valid():
        values = {k: form.cleaned_data[k] for k in Campaign.EDITABLE}
        values["schedules"] = list(values["schedules"])
        try:
            saved = save_campaign(
                user=request.user, campaign=campaign, values=values, presets=filled(presets)
            )
        except ValidationError as exc:
            add_errors(form, {k: v for k, v in exc.message_dict.items() if k != "preset_responses"})
            preset_errors = exc.message_dict.get("preset_responses", [])
        else:
            messages.success(request, _("Campaign “%(name)s” saved.") % {"name": saved.name})
            return redirect("campaigns:edit", pk=saved.pk)
    return render(
        request,
        "campaigns/index.html",
        {
            "section": Section.CAMPAIGNS,
            "form": form,
            "presets": presets,
            "preset_errors": preset_errors,
            "campaign": campaign,
            "campaigns": campaigns_for(request.user).select_related("provider", "security_group"),
            "all_schedules": schedules_for(request.user),
            "no_schedule_warning": campaign is not None and not campaign.schedules.exists(),
        },
    )


@section_required(Section.CAMPAIGNS)
@require_POST
def campaign_delete(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for_user(user=request.user, pk=pk)
    try:
        delete_campaign(user=request.user, campaign=campaign)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("campaigns:edit", pk=pk)
    messages.success(request, _("Campaign “%(name)s” deleted.") % {"name": campaign.name})
    return redirect("campaigns:index")


@section_required(Section.CAMPAIGNS)
def schedule_page(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    schedule = schedule_for_user(user=request.user, pk=pk) if pk else None
    form = ScheduleForm(request.POST or None, instance=schedule, user=request.user)
    rules = RuleFormSet(
        request.POST or None,
        prefix="rules",
        initial=[
            {"weekdays": r.weekdays, "start": r.start, "end": r.end, "overnight": r.overnight}
            for r in schedule.rules.all()
        ]
        if schedule
        else [],
    )
    holidays = HolidayFormSet(
        request.POST or None,
        prefix="holidays",
        initial=[
            {"date": h.date, "name": h.name, "start": h.start, "end": h.end}
            for h in schedule.holidays.all()
        ]
        if schedule
        else [],
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid() and rules.is_valid() and holidays.is_valid():
        try:
            saved = save_schedule(
                user=request.user,
                schedule=schedule,
                name=form.cleaned_data["name"],
                time_zone=form.cleaned_data["time_zone"],
                security_group=form.cleaned_data["security_group"],
                rules=filled(rules),
                holidays=filled(holidays),
            )
        except ValidationError as exc:
            add_errors(form, exc.message_dict, fallback=problems)
        else:
            messages.success(request, _("Schedule “%(name)s” saved.") % {"name": saved.name})
            return redirect("campaigns:schedule", pk=saved.pk)
    return render(
        request,
        "campaigns/schedules.html",
        {
            "section": Section.CAMPAIGNS,
            "form": form,
            "rules": rules,
            "holidays": holidays,
            "problems": problems,
            "schedule": schedule,
            "schedules": schedules_for(request.user).select_related("security_group"),
        },
    )


@section_required(Section.CAMPAIGNS)
@require_POST
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = schedule_for_user(user=request.user, pk=pk)
    try:
        delete_schedule(user=request.user, schedule=schedule)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("campaigns:schedule", pk=pk)
    messages.success(request, _("Schedule deleted."))
    return redirect("campaigns:schedules")


@section_required(Section.MEMBERS)
def members_page(request: HttpRequest) -> HttpResponse:
    form = MembersForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        if action not in ("add", "remove"):
            raise Http404
        service = add_members if action == "add" else remove_members
        try:
            count = service(
                user=request.user,
                campaigns=list(form.cleaned_data["campaigns"]),
                agents=list(form.cleaned_data["agents"]),
            )
        except ValidationError as exc:
            add_errors(form, exc.message_dict)
        else:
            if action == "add":
                text = ngettext("%(n)d member added.", "%(n)d members added.", count)
            else:
                text = ngettext("%(n)d member removed.", "%(n)d members removed.", count)
            messages.success(request, text % {"n": count})
            return redirect("campaigns:members")
    members = (
        CampaignMember.objects.filter(campaign__in=campaigns_for(request.user))
        .select_related("campaign", "agent")
        .order_by("campaign__name", "agent__username")
    )
    return render(
        request,
        "campaigns/members.html",
        {
            "section": Section.MEMBERS,
            "form": form,
            "members": members,
            "campaigns": campaigns_for(request.user),
            "agents": agents_for(request.user),
        },
    )
