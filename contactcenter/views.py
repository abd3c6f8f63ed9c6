from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import close_old_connections, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt

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


def _error_page(request: HttpRequest, template: str, context: dict, status: int) -> HttpResponse:
    # Under ASGI, Django renders error pages in a thread of its own (sync_to_async with
    # thread_sensitive=False), where the request signals that close database connections never
    # run: tidy that thread's connection like a request would, before and after.
    tidy = not connection.in_atomic_block
    if tidy:
        close_old_connections()
    response = render(request, template, context, status=status)
    if tidy:
        close_old_connections()
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 in the portal's layout: the menu shows what the user may open instead."""
    return _error_page(request, "403.html", {}, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 in the portal's layout, with the menu and a way back."""
    return _error_page(request, "404.html", {"path": request.path}, 404)


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; send them to the SVG icon."""
    return HttpResponseRedirect(staticfiles_storage.url("favicon.svg"))


@csrf_exempt  # nothing is changed: a POST to a wrong path is a 404, not a CSRF page
def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any /api/v1/ path no route takes (``/campaigns/0.5/``): a JSON 404, as the API's own."""
    return JsonResponse({"detail": _("No such API path.")}, status=404)


@csrf_exempt
def bench_ok(request: HttpRequest) -> HttpResponse:
    """The trivial view benchmarks compare with (mounted only with BENCH_ENDPOINTS): a 200 and
    nothing else, through the same middleware as every other view."""
    return HttpResponse(b"ok", content_type="text/plain")
