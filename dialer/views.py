from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import section_required
from accounts.roles import Section
from campaigns.selectors import campaign_for_user, campaigns_for, schedules_for
from contactcenter.phones import normalise
from contactcenter.service_errors import add_errors
from dialer.dncr import add_dncr, delete_dncr, dncr_entries_for, may_manage_global
from dialer.forms import DialerForm, DncrForm, SingleMessageForm
from dialer.selectors import (
    dialer_for_user,
    dialers_for,
    monitor_status,
    retrying_rows,
    unknown_rows,
)
from dialer.services import (
    DIALER_FIELDS,
    queue_message,
    request_unprocessed_deletion,
    save_dialer,
    start_dialer,
    stop_dialer,
)


@section_required(Section.DIALERS)
def dialer_page(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    dialer = dialer_for_user(user=request.user, pk=pk) if pk else None
    form = DialerForm(request.POST or None, instance=dialer, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_dialer(
                user=request.user,
                dialer=dialer,
                values={k: form.cleaned_data[k] for k in DIALER_FIELDS},
                schedules=list(form.cleaned_data["schedules"]),
            )
        except ValidationError as exc:
            add_errors(form, exc.message_dict)
        else:
            messages.success(request, _("Dialer “%(name)s” saved.") % {"name": saved.name})
            return redirect("dialer:edit", pk=saved.pk)
    return render(
        request,
        "dialer/index.html",
        {
            "section": Section.DIALERS,
            "form": form,
            "dialer": dialer,
            "dialers": dialers_for(request.user).prefetch_related("schedules"),
            "schedules": schedules_for(request.user),
        },
    )


@section_required(Section.DIALERS)
@require_POST
def dialer_switch(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("start", "stop"):
        raise Http404
    dialer = dialer_for_user(user=request.user, pk=pk)
    try:
        (start_dialer if action == "start" else stop_dialer)(dialer=dialer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    back = request.POST.get("next") or ""
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("dialer:edit", pk=pk)


@section_required(Section.DIALER_MONITOR)
def monitor_page(request: HttpRequest) -> HttpResponse:
    campaigns = campaigns_for(request.user)
    chosen = request.GET.get("campaign")
    if chosen and not (chosen.isascii() and chosen.isdigit()):
        return HttpResponseBadRequest(
            _("campaign: “%(value)s” is not a campaign id.") % {"value": chosen[:40]},
            content_type="text/plain; charset=utf-8",
        )
    campaign = campaign_for_user(user=request.user, pk=chosen) if chosen else campaigns.first()
    single = SingleMessageForm(request.POST or None)
    if request.method == "POST" and campaign is not None and single.is_valid():
        try:
            row = queue_message(campaign=campaign, **single.cleaned_data)
        except ValidationError as exc:
            add_errors(single, exc.message_dict)
        else:
            messages.success(request, _("Message queued (spool id %(id)s).") % {"id": row.pk})
            return redirect(f"{request.path}?campaign={campaign.pk}")
    context = {
        "section": Section.DIALER_MONITOR,
        "campaigns": campaigns,
        "campaign": campaign,
        "single": single,
    }
    if campaign is not None:
        context.update(
            status=monitor_status(campaign),
            unknown=unknown_rows(campaign),
            retrying=retrying_rows(campaign),
        )
    return render(request, "dialer/monitor.html", context)


@section_required(Section.DIALER_MONITOR)
def monitor_status_json(request: HttpRequest, campaign_id: int) -> JsonResponse:
    campaign = campaign_for_user(user=request.user, pk=campaign_id)
    return JsonResponse(monitor_status(campaign))


@section_required(Section.DIALER_MONITOR)
@require_POST
def delete_unprocessed(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for_user(user=request.user, pk=campaign_id)
    request_unprocessed_deletion(campaign=campaign, user=request.user)
    messages.success(request, _("Deleting the unprocessed rows in the background…"))
    return redirect(f"/dialers/monitor/?campaign={campaign.pk}")


@section_required(Section.DIALERS)
def dncr_page(request: HttpRequest) -> HttpResponse:
    form = DncrForm(request.POST or None, user=request.user)
    if request.method == "POST" and request.POST.get("delete"):
        entry = dncr_entries_for(request.user).filter(pk=request.POST["delete"]).first()
        if entry is None:
            raise Http404
        try:
            delete_dncr(entry=entry, user=request.user)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("%(number)s removed from the list.") % {"number": entry.number}
            )
        return redirect("dialer:dncr")
    if request.method == "POST" and form.is_valid():
        campaign = form.cleaned_data["campaign"]
        try:
            entry = add_dncr(
                user=request.user,
                number=form.cleaned_data["number"],
                campaign_id=campaign.pk if campaign else None,
            )
        except ValidationError as exc:
            add_errors(form, exc.message_dict)
        else:
            messages.success(request, _("%(number)s added.") % {"number": entry.number})
            return redirect("dialer:dncr")
    query = (request.GET.get("q") or "").strip()
    entries = dncr_entries_for(request.user).select_related("campaign").order_by("number")
    if query:
        entries = entries.filter(number__contains=normalise(query).lstrip("+") or query)
    return render(
        request,
        "dialer/dncr.html",
        {
            "section": Section.DIALERS,
            "form": form,
            "entries": entries[:200],
            "total": entries.count(),
            "query": query,
            "may_manage_global": may_manage_global(request.user),
        },
    )
