from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

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
