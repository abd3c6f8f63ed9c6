"""Pages of Configuration → Agents. Admins edit; supervisors see their groups' agents and the
break types read-only (every change is a POST the services refuse to anyone but an admin)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import section_required
from accounts.models import User
from accounts.roles import Role, Section
from agents.break_types import delete_break_type, save_break_type
from agents.configuration import services
from agents.configuration.forms import BreakTypeForm, UserForm
from agents.configuration.selectors import user_for_user, users_for
from agents.models import BreakType
from contactcenter.icons import icon_names
from contactcenter.lookups import one_or_404
from contactcenter.service_errors import add_errors

SECTION = Section.AGENTS_CONFIG


def _admin_only(request: HttpRequest) -> None:
    if request.user.role != Role.ADMIN:
        raise PermissionDenied


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def _password_page(request: HttpRequest, user: User, password: str, created: bool) -> HttpResponse:
    """The generated password, in this answer only (never stored, never cached)."""
    response = render(
        request,
        "agents/configuration/password.html",
        {"section": SECTION, "person": user, "password": password, "created": created},
    )
    response["Cache-Control"] = "no-store"
    return response


@section_required(SECTION)
@never_cache
def users_page(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    person = user_for_user(user=request.user, pk=pk) if pk else None
    editable = request.user.role == Role.ADMIN
    form = UserForm(request.POST or None, instance=person, creating=person is None)
    if request.method == "POST":
        _admin_only(request)
        if form.is_valid():
            values = {k: form.cleaned_data[k] for k in services.EDITABLE}
            values["security_groups"] = list(values["security_groups"])
            campaigns = list(form.cleaned_data["campaigns"])
            try:
                if person is None:
                    person, generated = services.create_user(
                        by=request.user,
                        values=values,
                        campaigns=campaigns,
                        password=form.cleaned_data["password"] or None,
                    )
                else:
                    generated = None
                    person = services.update_user(
                        by=request.user, user=person, values=values, campaigns=campaigns
                    )
            except ValidationError as exc:
                add_errors(form, exc.message_dict)
            else:
                if generated:
                    return _password_page(request, person, generated, created=True)
                messages.success(request, _("User “%(name)s” saved.") % {"name": _name(person)})
                return redirect("agents_config:edit", pk=person.pk)
    return render(
        request,
        "agents/configuration/users.html",
        {
            "section": SECTION,
            "form": form,
            "person": person,
            "people": users_for(request.user),
            "editable": editable,
        },
    )


@section_required(SECTION)
@require_POST
def deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    person = user_for_user(user=request.user, pk=pk)
    try:
        services.deactivate_user(by=request.user, user=person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("“%(name)s” is deactivated and was signed out everywhere.") % {"name": _name(person)},
        )
    return redirect("agents_config:edit", pk=pk)


@section_required(SECTION)
@require_POST
def activate(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    person = services.activate_user(by=request.user, user=user_for_user(user=request.user, pk=pk))
    messages.success(request, _("“%(name)s” may sign in again.") % {"name": _name(person)})
    return redirect("agents_config:edit", pk=pk)


@section_required(SECTION)
@require_POST
def reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    person = user_for_user(user=request.user, pk=pk)
    try:
        password = services.reset_password(by=request.user, user=person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("agents_config:edit", pk=pk)
    return _password_page(request, person, password, created=False)


@section_required(SECTION)
def break_types_page(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    break_type = one_or_404(BreakType.objects.all(), pk, "No such break type.") if pk else None
    form = BreakTypeForm(request.POST or None, instance=break_type)
    if request.method == "POST":
        _admin_only(request)
        if form.is_valid():
            try:
                saved = save_break_type(break_type=break_type, values=form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc.message_dict)
            else:
                messages.success(request, _("Break type “%(name)s” saved.") % {"name": saved.name})
                return redirect("agents_config:break_types")
    return render(
        request,
        "agents/configuration/break_types.html",
        {
            "section": SECTION,
            "form": form,
            "break_type": break_type,
            "break_types": BreakType.objects.all(),
            "editable": request.user.role == Role.ADMIN,
            "icon_names": sorted(icon_names()),
        },
    )


@section_required(SECTION)
@require_POST
def break_type_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    break_type = one_or_404(BreakType.objects.all(), pk, "No such break type.")
    delete_break_type(break_type=break_type)
    messages.success(request, _("Break type “%(name)s” deleted.") % {"name": break_type.name})
    return redirect("agents_config:break_types")
