"""One normalised form for phone numbers, so 098344484 and +59898344484 are the same number."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

_DIGITS = re.compile(r"\D+")


def normalise(number: str, region: str | None = None) -> str:
    """E.164 when the number parses in ``region`` (DEFAULT_PHONE_REGION by default); otherwise
    its digits (with a leading + kept), so that odd numbers still compare consistently."""
    number = (number or "").strip()
    try:
        parsed = phonenumbers.parse(number, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    digits = _DIGITS.sub("", number)
    return ("+" + digits) if number.startswith("+") else digits
