from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from contactcenter.health import health, may_see_health_details


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Anyone (a load balancer, a monitor) gets the status and which checks fail; admins, by
    session or API token, also get each check's detail (addresses, worker names, errors)."""
    checks = health()
    failing = [name for name, check in checks.items() if not check.ok]
    details = may_see_health_details(request)
    body = {
        "status": "ok" if not failing else "fail",
        "failing": failing,
        "checks": {
            name: {"ok": c.ok, "detail": c.detail} if details else {"ok": c.ok}
            for name, c in checks.items()
        },
    }
    return JsonResponse(body, status=503 if failing else 200)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")
