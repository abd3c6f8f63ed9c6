from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import section_required
from accounts.roles import Section
from providers.configuration import webhook_url
from providers.forms import ProviderForm, TestSendForm, type_catalogue
from providers.models import Provider
from providers.services import delete_provider, save_provider, send_message


def _page(
    request: HttpRequest,
    form: ProviderForm,
    provider: Provider | None,
    test_form: TestSendForm | None = None,
    test_result: object = None,
) -> HttpResponse:
    base = request.build_absolute_uri("/")
    context = {
        "section": Section.PROVIDERS,
        "form": form,
        "provider": provider,
        "providers": Provider.objects.all(),
        "catalogue": type_catalogue(),
        "test_form": test_form or TestSendForm(),
        "test_result": test_result,
    }
    if provider is not None:
        context["webhooks"] = {
            "inbound": webhook_url(provider, "inbound", base),
            "status": webhook_url(provider, "status", base),
        }
    return render(request, "providers/index.html", context)


@section_required(Section.PROVIDERS)
def provider_page(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    provider = get_object_or_404(Provider, pk=pk) if pk else None
    form = ProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        values, secrets = form.values_and_secrets()
        try:
            saved = save_provider(provider=provider, values=values, secrets=secrets)
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
        else:
            messages.success(request, _("Provider “%(name)s” saved.") % {"name": saved.name})
            return redirect("providers:edit", pk=saved.pk)
    return _page(request, form, provider)


@section_required(Section.PROVIDERS)
@require_POST
def provider_delete(request: HttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(Provider, pk=pk)
    try:
        delete_provider(provider=provider)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("providers:edit", pk=pk)
    messages.success(request, _("Provider “%(name)s” deleted.") % {"name": provider.name})
    return redirect("providers:index")


@section_required(Section.PROVIDERS)
@require_POST
def provider_test(request: HttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(Provider, pk=pk)
    test_form = TestSendForm(request.POST)
    result = None
    if test_form.is_valid():
        try:
            result = send_message(
                provider=provider,
                destination=test_form.cleaned_data["destination"],
                text=test_form.cleaned_data["message"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    test_form.add_error(field if field in test_form.fields else None, error)
    return _page(request, ProviderForm(instance=provider), provider, test_form, result)
