"""Secrets out of every error text an adapter stores or logs: each secret in every form an echoed
request may show it (as is, URL-encoded, JSON- or HTML-escaped, inside Basic credentials)."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

MASK = "***"
# A secret shorter than this is not searched for: it would mask ordinary words in the message
# (and protects nothing).
SHORTEST_SECRET = 4
_ESCAPE = re.compile(r"%[0-9A-F]{2}")

if TYPE_CHECKING:
    from providers.adapters.base import SendError


def secret_forms(value: str) -> set[str]:
    """The ways a secret shows up in an echoed request: as is, URL-encoded (both hex cases,
    ``+`` or ``%20`` for spaces), JSON-escaped, HTML-escaped."""
    if len(value) < SHORTEST_SECRET:
        return set()
    encoded = quote(value, safe="")
    forms = {
        value,
        encoded,
        _ESCAPE.sub(lambda m: m.group(0).lower(), encoded),
        quote_plus(value, safe=""),
        quote(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
    }
    return {form for form in forms if form}


class Redactor:
    """Masks every form of the given secrets in a text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = set().union(*(secret_forms(s) for s in secrets if s))
        self.forms = sorted(forms, key=len, reverse=True)  # longest first: no partial leftovers

    def __call__(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def error(self, exc: SendError) -> SendError:
        return type(exc)(
            self(exc.message), permanent=exc.permanent, code=self(exc.code),
            http_status=exc.http_status,
        )  # fmt: skip


def basic_token(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()
