"""Provider webhooks: parse, store, enqueue, answer. Inbound messages are stored as
conversations' messages; delivery reports by providers, which tells every app that follows
them. Authenticity first, then nothing is stored unless the whole body is understood."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from conversations.inbound import receive_inbound
from providers.adapters.base import WebhookRequest
from providers.models import Provider
from providers.services import (
    provider_for_webhook,
    receive_status,
    verify_webhook,
    webhook_adapter,
)
from providers.webhook_parsing import WebhookError, decode_params

logger = logging.getLogger("contactcenter.webhooks")
KINDS = ("inbound", "status")


def webhook_request(request: HttpRequest) -> WebhookRequest:
    """The call as adapters read it. Query and form are decoded strictly (Django would replace
    bytes that are not UTF-8): WebhookError naming ``query`` or ``body`` otherwise."""
    body = request.body
    form = {}
    if request.content_type == "application/x-www-form-urlencoded":
        form = decode_params(body)
    url = request.build_absolute_uri()
    if settings.PUBLIC_BASE_URL:
        url = settings.PUBLIC_BASE_URL + request.get_full_path()
    return WebhookRequest(
        method=request.method or "GET",
        url=url,
        headers={k.lower(): v for k, v in request.headers.items()},
        query=decode_params(request.META.get("QUERY_STRING", "").encode("latin-1"), "query"),
        form=form,
        body=body,
    )


def refused(provider: Provider, kind: str, exc: WebhookError) -> JsonResponse:
    """400 naming the field; the provider sees why, and nothing was stored."""
    logger.warning(
        "webhook refused",
        extra={"provider": provider.pk, "kind": kind, "field": exc.field, "reason": exc.reason},
    )
    return JsonResponse({"field": exc.field, "error": exc.reason}, status=400)


@csrf_exempt
def provider_webhook(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    provider = provider_for_webhook(token)
    if provider is None or kind not in KINDS:
        return JsonResponse({"error": "unknown webhook"}, status=404)
    try:
        hook = webhook_request(request)
        adapter_handshake = getattr(webhook_adapter(provider), "handshake", None)
        if request.method == "GET" and adapter_handshake and "hub.mode" in hook.query:
            challenge = adapter_handshake(hook)
            if challenge is None:
                return JsonResponse({"error": "verify token does not match"}, status=403)
            return HttpResponse(challenge, content_type="text/plain")
        if not verify_webhook(provider, hook):
            logger.warning(
                "webhook signature refused", extra={"provider": provider.pk, "kind": kind}
            )
            return JsonResponse({"error": "signature missing, invalid or expired"}, status=403)
        if kind == "inbound":
            stored = receive_inbound(provider=provider, request=hook)
        else:
            stored = receive_status(provider=provider, request=hook)
    except WebhookError as exc:
        return refused(provider, kind, exc)
    body, content_type = webhook_adapter(provider).webhook_reply(kind)
    if not body:
        return JsonResponse({"stored": stored})
    return HttpResponse(body, content_type=content_type)
