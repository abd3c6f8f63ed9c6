"""Reading provider webhooks defensively, in one place.

Every adapter's inbound and status parser reads its body through these helpers, so anything a
provider (or anyone who learnt a webhook URL) may send ends in one ``WebhookError(field, reason)``
that the view answers 400 ``{"field", "error"}`` with nothing stored, never in a 500 (which would
make the provider retry for hours). Field names are the provider's own, with their path in the
body (``results[0].smsCount``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl


class WebhookError(ValueError):
    """A webhook body that cannot be understood: ``field`` names what is wrong, ``reason`` why.
    Answered 400 ``{"field", "error"}``, nothing stored (``providers.webhooks``)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# The longest values the models store (providers.models; a test keeps these in step).
ID_LENGTH = 200  # conversations.Message / DeliveryReport / InboundPart.provider_message_id
ADDRESS_LENGTH = 60  # conversations.Message.did (and the sender, before normalising)
# conversations.Message.number: a sender is stored normalised (its digits, a leading +), so an
# address with more digits than this (no phone number has more than 15) cannot be stored.
NUMBER_DIGITS = 39
REF_LENGTH = 100  # InboundPart.concat_ref
MAX_PARTS = 255  # a concatenated SMS has at most 255 parts (one byte in the UDH)
MAX_DEPTH = 32  # real webhook bodies nest 7 levels at most
MAX_FIELDS = 1000  # form / query parameters
MAX_ITEMS = 1000  # messages or reports in one call (Infobip sends at most 100)

# NUL cannot be stored in PostgreSQL text; lone surrogates cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")


# ----------------------------------------------------------------------------------- bodies
def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text}")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(body: bytes) -> Any:
    """The JSON value of a body: strict UTF-8, no NaN/Infinity, at most MAX_DEPTH levels, no
    text a database cannot store. An empty body is ``None``."""
    if not body:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookError("body", f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError as exc:
        raise WebhookError("body", "JSON nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError, huge numbers, NaN
        raise WebhookError("body", f"not valid JSON: {exc}") from exc
    _check_tree(data)
    return data


def _check_tree(data: Any) -> None:
    """Depth and storable text of a decoded JSON value, without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "body", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise WebhookError("body", f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            _check_text(path, value)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(path, key)
                stack.append((item, key if path == "body" else f"{path}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))


def _check_text(field: str, value: str) -> None:
    if _UNSTORABLE.search(value):
        raise WebhookError(field, "contains a NUL character or an unpaired surrogate")


def decode_params(raw: bytes | str, field: str = "body") -> dict[str, str]:
    """Form-encoded parameters (a body or a query string), strictly UTF-8; the last value wins
    when a name repeats (as Django's ``QueryDict.get``)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")  # percent-encoded normally; raw UTF-8 is tolerated
        except UnicodeDecodeError as exc:
            raise WebhookError(field, f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    try:
        pairs = parse_qsl(
            raw,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError as exc:
        raise WebhookError(field, f"not UTF-8 ({exc.reason})") from exc
    except ValueError as exc:  # too many fields
        raise WebhookError(field, str(exc)) from exc
    params = dict(pairs)
    for key, value in params.items():
        _check_text(field, key)
        _check_text(key, value)
    return params


def flatten(data: Any) -> dict[str, str]:
    """A JSON object of scalars as text parameters (as if it had come form-encoded)."""
    data = as_object(data, "body")
    params = {}
    for key, value in data.items():
        if isinstance(value, dict | list):
            raise WebhookError(key, "is an object or a list, not a value")
        if value is None:
            params[key] = ""
        elif isinstance(value, bool):
            params[key] = "true" if value else "false"
        else:
            params[key] = str(value)
    return params


# ----------------------------------------------------------------------------------- shapes
def as_object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WebhookError(field, "not an object" if value is not None else "missing")
    return value


def objects(data: Mapping[str, Any], key: str, where: str = "", *, required: bool = True) -> list:
    """The list of objects at ``key`` (an empty list when absent and not required)."""
    value = data.get(key)
    if value is None and not required:
        return []
    if value is None:
        raise WebhookError(where + key, "missing")
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise WebhookError(where + key, "not a list of objects")
    if len(value) > MAX_ITEMS:
        raise WebhookError(where + key, f"more than {MAX_ITEMS} items")
    return value


def obj(data: Mapping[str, Any], key: str, where: str = "", *, required: bool = True) -> dict:
    """The object at ``key`` (empty when absent and not required)."""
    value = data.get(key)
    if value is None and not required:
        return {}
    return as_object(value, where + key)


# ----------------------------------------------------------------------------------- values
def text(
    data: Mapping[str, Any],
    key: str,
    where: str = "",
    *,
    required: bool = False,
    max_length: int | None = None,
) -> str:
    """A text value (a JSON string, or a form parameter); "" when absent and not required."""
    field = where + key
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise WebhookError(field, "missing")
        return ""
    if not isinstance(value, str):
        raise WebhookError(field, "not a string")
    _check_text(field, value)
    if max_length is not None and len(value) > max_length:
        raise WebhookError(field, f"longer than {max_length} characters")
    return value


def identifier(
    data: Mapping[str, Any],
    key: str,
    where: str = "",
    *,
    numbers: bool = False,
    max_length: int = ID_LENGTH,
) -> str:
    """A required id as text. ``numbers``: a JSON integer is accepted too (gateways that number
    their messages)."""
    value = data.get(key)
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is not None and value != "" and not isinstance(value, str):
        raise WebhookError(where + key, "not a string" if not numbers else "not a string or number")
    return text({key: value}, key, where, required=True, max_length=max_length)


def address(data: Mapping[str, Any], key: str, where: str = "", *, required: bool = True) -> str:
    """A phone number or sender name, as the provider wrote it."""
    value = text(data, key, where, required=required, max_length=ADDRESS_LENGTH)
    if sum(c.isdigit() for c in value) > NUMBER_DIGITS:
        raise WebhookError(where + key, f"more than {NUMBER_DIGITS} digits")
    return value


def count(
    data: Mapping[str, Any],
    key: str,
    where: str = "",
    *,
    default: int | None = 1,
    low: int = 1,
    high: int = MAX_PARTS,
) -> int:
    """A whole number in [low, high], as a JSON integer or decimal digits; ``default`` when
    absent (None: required)."""
    field = where + key
    value = data.get(key)
    if value is None or value == "":
        if default is None:
            raise WebhookError(field, "missing")
        return default
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool):
        raise WebhookError(field, "not a whole number")
    if not low <= value <= high:
        raise WebhookError(field, f"must be between {low} and {high}")
    return value


def choice(data: Mapping[str, Any], key: str, choices: Mapping[str, Any], where: str = "") -> Any:
    """The meaning of a required word among ``choices``."""
    word = text(data, key, where, required=True)
    if word not in choices:
        raise WebhookError(where + key, f"unknown value '{word[:40]}'")
    return choices[word]
