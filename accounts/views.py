from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.forms import ApiTokenForm, OwnPasswordChangeForm
from accounts.tokens import create_api_token, revoke_api_token


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    new_key = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = create_api_token(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field, error)
        else:
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
            form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": request.user.api_tokens.all(), "new_key": new_key},
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    if not revoke_api_token(user=request.user, token_id=token_id):
        raise Http404
    messages.success(request, _("Token revoked."))
    return redirect("api_tokens")


@api_view(["GET"])
def me(request: Request) -> Response:
    user = request.user
    return Response(
        {
            "id": user.pk,
            "username": user.username,
            "role": user.role,
            "security_groups": list(user.security_groups.values_list("name", flat=True)),
        }
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = OwnPasswordChangeForm
    template_name = "accounts/password_change.html"

    def form_valid(self, form: OwnPasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.revoked_tokens:
            messages.info(
                self.request,
                ngettext(
                    "%(count)d API token was revoked.",
                    "%(count)d API tokens were revoked.",
                    form.revoked_tokens,
                )
                % {"count": form.revoked_tokens},
            )
        return response
