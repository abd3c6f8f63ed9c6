"""Provider services: save and delete with the default rules, send, and receive webhooks."""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.services import model_update
from providers.adapters import adapter_class, registry
from providers.adapters.base import Adapter, InboundSMS, OutgoingSMS, SendError, WebhookRequest
from providers.configuration import config_for, type_fields
from providers.delivery import DeliveryStatus, should_replace
from providers.encoding import EncodingError, segment_info
from providers.models import DeliveryReport, InboundPart, OutboundMessage, Provider
from providers.ports import parse_ports
from providers.reports import TEST, best_reports, message_number
from providers.text import text_problem
from providers.webhook_parsing import NUMBER_DIGITS, WebhookError

logger = logging.getLogger("contactcenter.providers")

# Sent (after commit) with ``provider`` and ``reports`` (StatusReport list) whenever delivery
# reports arrive, so other apps (the dialer's spool) can follow their own messages.
delivery_reports_received = Signal()


# ----------------------------------------------------------------------------- default rules
def _lock_providers() -> QuerySet[Provider]:
    """Lock every provider row, so concurrent saves and deletes apply the rules one at a time."""
    return Provider.objects.select_for_update().order_by("pk")


def _ensure_one_default() -> None:
    providers = list(_lock_providers())
    if providers and not any(p.is_default for p in providers):
        Provider.objects.filter(pk=providers[0].pk).update(is_default=True)


def save_provider(
    *, provider: Provider | None, values: dict[str, Any], secrets: dict[str, str]
) -> Provider:
    """Create (``provider=None``) or update a provider.

    ``values`` holds the plain fields and ``settings``; ``secrets`` holds ``password`` and secret
    settings in clear, where an empty value keeps the stored one. Raises ValidationError with a
    message per field and stores nothing when anything is wrong. Afterwards exactly one provider
    is the default: choosing one unmarks the old; none chosen keeps (or makes) the first one.
    """
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _save(provider, values, secrets)
        except IntegrityError:
            # A concurrent save took the default or the name between our check and our write
            # (possible only when no row existed to lock): run the checks again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _save(provider: Provider | None, values: dict[str, Any], secrets: dict[str, str]) -> Provider:
    existing = list(_lock_providers())
    current = next((p for p in existing if provider and p.pk == provider.pk), None)
    target = current or Provider()
    data = {k: v for k, v in values.items() if k in Provider.EDITABLE}
    api_type = data.get("api_type", target.api_type) or ""
    errors: dict[str, str] = {}
    specs = type_fields(api_type) if api_type in registry() else ()
    secret_keys = {s.setting for s in specs if s.setting and s.secret}
    plain_keys = {s.setting for s in specs if s.setting and not s.secret}
    given = dict(values.get("settings") or {})
    unknown = sorted(set(given) - plain_keys - secret_keys) if specs else []
    if unknown:
        errors["settings"] = _("Unknown setting “%(key)s” for %(type)s.") % {
            "key": unknown[0],
            "type": api_type,
        }

    # Settings and secrets: a changed type starts afresh; an empty secret keeps the stored one.
    same_type = current is not None and current.api_type == api_type
    plain = dict(current.settings) if same_type and "settings" not in values else {}
    plain.update(given)
    plain = {k: v for k, v in plain.items() if k in plain_keys and v not in (None, "")}
    for spec in specs:
        if spec.setting in plain_keys and spec.setting not in plain and spec.default != "":
            plain[spec.setting] = spec.default
    secret_values = current.get_secret_settings() if same_type else {}
    secret_values.update({k: str(v) for k, v in secrets.items() if k in secret_keys and v})
    if secrets.get("password"):
        data["password"] = secrets["password"]
    data["settings"] = plain
    data["secret_settings"] = Provider.secret_settings_text(secret_values)

    if data.get("is_default"):
        Provider.objects.filter(is_default=True).exclude(pk=target.pk).update(is_default=False)
    target, changed = model_update(
        instance=target,
        fields=(*Provider.EDITABLE, "password", "settings", "secret_settings"),
        data=data,
        extra_errors=errors,
        # One default is this service's rule (the old one is unmarked above, under the lock);
        # the database constraint catches a race and save_provider tries again.
        clean_exclude=("is_default",),
    )
    _ensure_one_default()
    target.refresh_from_db()
    logger.info(
        "provider saved",
        extra={"provider": target.pk, "api_type": target.api_type, "changed": changed},
    )
    return target


@transaction.atomic
def delete_provider(*, provider: Provider) -> None:
    """Delete ``provider``; when it was the default, the first remaining one becomes default.

    Refused (ValidationError) while messages refer to it: their history must stay readable.
    (Conversations' messages protect it in the database: ProtectedError becomes this refusal.)
    """
    list(_lock_providers())
    if OutboundMessage.objects.filter(provider=provider).exists() or _has_conversations(provider):
        raise ValidationError(
            _(
                "This provider has sent or received messages; their history keeps it. Disable "
                "its use in campaigns and dialers instead."
            )
        )
    Provider.objects.filter(pk=provider.pk).delete()
    _ensure_one_default()
    logger.info("provider deleted", extra={"provider": provider.pk})


def _has_conversations(provider: Provider) -> bool:
    """Messages or interactions of conversations (an app above this one) refer to it."""
    return any(
        rel.related_model.objects.filter(**{rel.field.name: provider}).exists()
        for rel in Provider._meta.related_objects
        if rel.related_model._meta.app_label == "conversations"
    )


# ----------------------------------------------------------------------------- sending
_adapters = threading.local()


def adapter_for(provider: Provider) -> Adapter:
    """The provider's adapter, reused per thread (connection reuse) until the provider changes."""
    cache = getattr(_adapters, "cache", None)
    if cache is None:
        cache = _adapters.cache = {}
    key = (provider.pk, provider.updated_at)
    adapter = cache.get(provider.pk)
    if adapter is None or adapter[0] != key:
        adapter = cache[provider.pk] = (key, adapter_class(provider.api_type)(config_for(provider)))
    return adapter[1]


# Adapters read webhooks without changing themselves (parse, verify, reply), so one per provider
# serves every thread of the process. Under ASGI each request runs in a thread of its own, where
# adapter_for's per-thread cache would build an adapter per webhook (config decrypted and checked:
# about 4 ms of CPU, most of a webhook's cost). Keyed like adapter_for: a saved change applies.
_webhook_adapters: dict[int, tuple[tuple[int, Any], Adapter]] = {}


def webhook_adapter(provider: Provider) -> Adapter:
    """The provider's adapter for reading its webhooks, shared by the process's threads."""
    key = (provider.pk, provider.updated_at)
    cached = _webhook_adapters.get(provider.pk)
    if cached is None or cached[0] != key:
        cached = (key, adapter_class(provider.api_type)(config_for(provider)))
        _webhook_adapters[provider.pk] = cached  # one dict store: safe between threads
    return cached[1]


def number_matches(provider: Provider, destination: str) -> bool:
    return not provider.number_regexp or re.search(provider.number_regexp, destination) is not None


def send_message(
    *, provider: Provider, destination: str, text: str, port: int | None = None
) -> OutboundMessage:
    """Send one message now; returns the stored message, sent or failed with the error.

    A destination that fails the provider's number regexp, or a text the forced encoding cannot
    carry, raises ValidationError and stores nothing. Errors are not retried here: a failed
    message keeps the provider's error text (and whether it was temporary) in ``error``.
    """
    destination = destination.strip()
    if not destination:
        raise ValidationError({"destination": _("Give a destination number.")})
    if not number_matches(provider, destination):
        raise ValidationError(
            {
                "destination": _("Incorrect number format: %(number)s does not match %(regexp)s.")
                % {"number": destination, "regexp": provider.number_regexp}
            }
        )
    if not text:
        raise ValidationError({"message": _("The message is empty.")})
    problem = text_problem(text, provider)
    if problem:
        raise ValidationError({"message": problem})
    try:
        info = segment_info(text, provider.encoding)
    except EncodingError as exc:
        raise ValidationError({"message": str(exc)}) from exc
    if port is None and provider.ports and adapter_class(provider.api_type).uses_ports:
        port = parse_ports(provider.ports)[0]
    message = OutboundMessage.objects.create(
        provider=provider,
        destination=destination,
        text=text,
        encoding=info.encoding,
        segments=info.segments,
    )
    outgoing = OutgoingSMS(
        destination=destination,
        text=text,
        reference=str(message.reference),
        number=message_number(message.pk, kind=TEST),
        port=port,
        encoding=info.encoding,
    )
    try:
        result = adapter_for(provider).send(outgoing)
    except SendError as exc:
        message.state, message.error = OutboundMessage.State.FAILED, str(exc)
        message.save(update_fields=["state", "error"])
        logger.warning("send failed", extra={"provider": provider.pk, "error": str(exc)})
        return message
    message.state = OutboundMessage.State.SENT
    message.provider_message_id = result.provider_message_id
    message.sent_at = timezone.now()
    if result.segments:
        message.segments = result.segments
    message.delivery_status = DeliveryStatus.ACCEPTED
    message.save()
    _apply_reports(provider, [result.provider_message_id])
    message.refresh_from_db()
    return message


# ----------------------------------------------------------------------------- webhooks
# Webhooks find their provider by token in this process's memory for WEBHOOK_PROVIDER_SECONDS: a
# query per webhook (and the ORM compiling it) was a fifth of a webhook's CPU. A provider saved or
# deleted in this process is forgotten at once (signals); other web processes see a change to
# its settings or token within WEBHOOK_PROVIDER_SECONDS. Unknown tokens are not remembered.
_webhook_providers: dict[str, tuple[float, Provider]] = {}


def provider_for_webhook(token: str) -> Provider | None:
    now = time.monotonic()
    cached = _webhook_providers.get(token)
    if cached is not None and cached[0] > now:
        return cached[1]
    provider = Provider.objects.filter(webhook_token=token).first()
    if provider is not None and settings.WEBHOOK_PROVIDER_SECONDS > 0:
        _webhook_providers[token] = (now + settings.WEBHOOK_PROVIDER_SECONDS, provider)
    return provider


@receiver([post_save, post_delete], sender=Provider)
def _forget_webhook_providers(**kwargs: Any) -> None:
    _webhook_providers.clear()


def verify_webhook(provider: Provider, request: WebhookRequest) -> bool:
    return webhook_adapter(provider).verify_webhook(request)


def read_inbound(provider: Provider, request: WebhookRequest) -> list[InboundSMS]:
    """The inbound messages of one webhook call as the provider sent them, parts of a long
    message included; reads nothing from the database. WebhookError: not understood."""
    messages = webhook_adapter(provider).parse_inbound(request)
    for sms in messages:
        # Adapters that read the sender with ``address`` name their own field; this catches the
        # others (a sender is stored normalised, in conversations.Message.number).
        if sum(c.isdigit() for c in sms.sender) > NUMBER_DIGITS:
            raise WebhookError("sender", f"more than {NUMBER_DIGITS} digits")
    return messages


def is_part(sms: InboundSMS) -> bool:
    """One part of a long message the provider delivers part by part (Vonage ``concat``)."""
    return bool(sms.concat and sms.concat[1] > 1)


def assemble_parts(provider: Provider, messages: list[InboundSMS]) -> list[InboundSMS]:
    """The whole messages among ``messages``: each part is kept (InboundPart) and the message
    comes out once, whole, with the call that brings its last part. Writes: call it inside the
    transaction that stores the result."""
    whole: list[InboundSMS] = []
    for sms in messages:
        if is_part(sms):
            assembled = _store_part(provider, sms)
            if assembled is None:
                continue
            sms = assembled
        whole.append(sms)
    return whole


def _store_part(provider: Provider, sms: InboundSMS) -> InboundSMS | None:
    ref, total, number = sms.concat
    InboundPart.objects.get_or_create(
        provider=provider,
        sender=sms.sender,
        concat_ref=ref,
        part_number=number,
        defaults={
            "total": total,
            "text": sms.text,
            "recipient": sms.recipient,
            "provider_message_id": sms.provider_message_id,
        },
    )
    parts = list(
        InboundPart.objects.select_for_update()
        .filter(provider=provider, sender=sms.sender, concat_ref=ref)
        .order_by("part_number")
    )
    if len(parts) < total:
        return None
    from dataclasses import replace

    return replace(
        sms,
        provider_message_id=f"concat:{ref}:{parts[0].provider_message_id}",
        text="".join(p.text for p in parts),
        segments=total,
        concat=None,
    )


@transaction.atomic
def receive_status(*, provider: Provider, request: WebhookRequest) -> int:
    """Record the delivery reports of one webhook call and update the messages they name.
    Returns how many reports were recorded. WebhookError: nothing stored."""
    reports = webhook_adapter(provider).parse_status(request)
    now = timezone.now()
    DeliveryReport.objects.bulk_create(
        DeliveryReport(
            provider=provider,
            provider_message_id=r.provider_message_id,
            status=r.status,
            error=r.error[:200],
            received_at=now,
            raw=jsonable(r.raw),
        )
        for r in reports
    )
    _apply_reports(provider, [r.provider_message_id for r in reports])
    transaction.on_commit(
        lambda: delivery_reports_received.send(sender=Provider, provider=provider, reports=reports)
    )
    return len(reports)


@transaction.atomic
def _apply_reports(provider: Provider, message_ids: list[str]) -> None:
    best = best_reports(provider.pk, message_ids)
    if not best:
        return
    for message in OutboundMessage.objects.select_for_update().filter(
        provider=provider, provider_message_id__in=list(best)
    ):
        report = best[message.provider_message_id]
        if should_replace(message.delivery_status, report.status):
            message.delivery_status = report.status
            message.delivery_error = report.error
            message.status_at = report.received_at
            message.save(update_fields=["delivery_status", "delivery_error", "status_at"])


def jsonable(raw: Any) -> Any:
    """``raw`` as JSON can store it (a provider's payload, or its text)."""
    if isinstance(raw, dict | list | str | int | float | bool) or raw is None:
        return raw
    return str(raw)
