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


def customer_number(number: str, region: str | None = None) -> str:
    """How a customer's number is stored on interactions and messages: E.164 when it parses in
    ``region``, or as an international number written without its + (Vonage and many gateways
    send 59898344484); otherwise what ``normalise`` gives (short codes, odd gateways)."""
    number = (number or "").strip()
    first = normalise(number, region)
    if first.startswith("+") or not number.isdigit():
        return first
    try:
        parsed = phonenumbers.parse("+" + number)
    except phonenumbers.NumberParseException:
        return first
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return first


def e164(text: str, region: str | None = None) -> str:
    """``text`` as a valid E.164 number; ValueError when phonenumbers rejects it (numbers an
    agent or an API client types to start a conversation)."""
    try:
        parsed = phonenumbers.parse((text or "").strip(), region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(text)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_PHONE_SHAPE = re.compile(r"\+?[\d\s().-]+")


def is_phone_number(text: str) -> bool:
    """Digits (3 to 15 of them: short codes up to E.164's longest), an optional leading +, and
    the usual separators (spaces, dots, dashes, brackets); nothing else."""
    text = (text or "").strip()
    digits = len(_DIGITS.sub("", text))
    return bool(_PHONE_SHAPE.fullmatch(text)) and 3 <= digits <= 15


def compact(text: str) -> str:
    """``text`` without separators: its digits, a leading + kept (as a gateway is sent it)."""
    text = (text or "").strip()
    digits = _DIGITS.sub("", text)
    return ("+" + digits) if text.startswith("+") else digits


def phone_number(text: str, region: str | None = None) -> str:
    """``text`` normalised (see ``normalise``); ValueError when it is not a phone number, so
    what is stored is never an empty or made-up number."""
    if not is_phone_number(text):
        raise ValueError(text)
    return normalise(text, region)
