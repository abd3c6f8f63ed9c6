from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from contactcenter.health import health


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = health()
    failing = [name for name, check in checks.items() if not check.ok]
    body = {
        "status": "ok" if not failing else "fail",
        "failing": failing,
        "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
    }
    return JsonResponse(body, status=503 if failing else 200)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@csrf_exempt  # nothing is changed: a POST to a wrong path is a 404, not a CSRF page
def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any /api/v1/ path no route takes (``/campaigns/0.5/``): a JSON 404, as the API's own."""
    return JsonResponse({"detail": _("No such API path.")}, status=404)
