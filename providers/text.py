"""What an SMS text may be: the one rule every way in uses (SendSMS, CSV spool lines, the dialer
monitor's single message, the API, a provider's Test send).

- At most ``SMS_MAX_LENGTH`` characters (setting, default 1,600: ten GSM-7 parts);
- no control characters except line breaks (``\\n``, and ``\\r`` as browsers send ``\\r\\n``)
  and tab: NUL, form feed, escape, DEL and the C1 range are refused. Tab is allowed because
  spreadsheets and CRMs put it in texts and it harms nothing; like any character outside
  GSM 03.38 it makes an ``auto`` message UCS-2 (a provider forced to GSM-7 fails that row);
- and, when the provider is known, its own limit: CM.com's "Maximum parts" setting, and the
  1,500 bytes a Dinstar gateway takes in one request.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from providers.encoding import Encoding, EncodingError, segment_info

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
DINSTAR_MAX_BYTES = 1500  # PROVIDER-FACTS: the gateway answers 413 above it


def max_length() -> int:
    return int(settings.SMS_MAX_LENGTH)


def _provider_problem(text: str, provider: Any) -> str | None:
    """The provider's own limit, for the providers that have one (None: the text fits)."""
    api_type = getattr(provider, "api_type", "")
    if api_type == "CMG":
        try:
            parts = int((provider.settings or {}).get("max_parts", 8))
        except (TypeError, ValueError):
            parts = 8
        try:
            segments = segment_info(text, provider.encoding or Encoding.AUTO).segments
        except EncodingError:
            return None  # the encoding rule reports this one when the row is sent
        if segments > parts:
            return ngettext(
                "The text takes %(segments)s SMS parts; provider “%(provider)s” sends at most "
                "%(parts)s part.",
                "The text takes %(segments)s SMS parts; provider “%(provider)s” sends at most "
                "%(parts)s parts.",
                parts,
            ) % {"segments": segments, "provider": provider.name, "parts": parts}
    if api_type == "DinstarWeb":
        size = len(text.encode("utf-8"))
        if size > DINSTAR_MAX_BYTES:
            return _(
                "The text is %(size)s bytes long; gateway “%(provider)s” takes at most "
                "%(max)s bytes."
            ) % {"size": size, "provider": provider.name, "max": DINSTAR_MAX_BYTES}
    return None


def text_problem(text: str, provider: Any = None) -> str | None:
    """Why ``text`` cannot be sent (translated), or None. Emptiness is the caller's rule."""
    limit = max_length()
    if len(text) > limit:
        return ngettext(
            "The text is %(length)s characters long; at most %(max)s character is allowed.",
            "The text is %(length)s characters long; at most %(max)s characters are allowed.",
            limit,
        ) % {"length": len(text), "max": limit}
    found = CONTROL.search(text)
    if found:
        return _(
            "The text contains the control character U+%(code)04X at position %(position)s; "
            "only line breaks and tabs are allowed."
        ) % {"code": ord(found.group()), "position": found.start() + 1}
    if provider is not None:
        return _provider_problem(text, provider)
    return None


def validate_sms_text(text: str, provider: Any = None) -> None:
    """ValidationError (code ``sms_text``) with :func:`text_problem`'s reason."""
    problem = text_problem(text or "", provider)
    if problem:
        raise ValidationError(problem, code="sms_text")


def whatsapp_window_reason() -> str:
    """What the composer says when a WhatsApp customer last wrote too long ago (the page also
    shows it by itself when the window closes while the conversation is open)."""
    return _(
        "The customer last wrote more than %(hours)s hours ago: WhatsApp allows free text "
        "only within that window."
    ) % {"hours": settings.WHATSAPP_WINDOW_HOURS}
