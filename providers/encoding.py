"""SMS encoding and segment counting (GSM 03.38 / UCS-2), as pure functions.

- ``auto``: GSM-7 when every character is in the GSM 03.38 alphabet (basic table or extension
  table), else UCS-2. One non-GSM character makes the whole message UCS-2.
- GSM-7: 160 septets in one message, 153 per part of a long message; extension characters
  (``^ { } \\ [ ] ~ | €`` and form feed) take two septets and an escape pair is never split.
- UCS-2: 70 UTF-16 code units in one message, 67 per part; characters outside the Basic
  Multilingual Plane (most emoji) take two units and a surrogate pair is never split.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Encoding(StrEnum):
    AUTO = "auto"
    GSM7 = "GSM7"
    UCS2 = "UCS2"


GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE = {Encoding.GSM7: 160, Encoding.UCS2: 70}
PER_PART = {Encoding.GSM7: 153, Encoding.UCS2: 67}


class EncodingError(ValueError):
    """The text cannot be sent in the encoding the provider is forced to use."""


@dataclass(frozen=True)
class SegmentInfo:
    encoding: Encoding
    segments: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)


GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION


def non_gsm_characters(text: str) -> list[str]:
    """The distinct characters of ``text`` outside GSM 03.38, in order of appearance."""
    seen: dict[str, None] = {}
    for char in text:
        if char not in GSM7_BASIC and char not in GSM7_EXTENSION:
            seen.setdefault(char)
    return list(seen)


def is_gsm7(text: str) -> bool:
    return set(text) <= GSM7_ALL


def _unit_cost(char: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def choose_encoding(text: str, configured: str = Encoding.AUTO) -> Encoding:
    """The encoding ``text`` goes out in, given the provider's setting.

    A forced GSM-7 with characters outside the alphabet raises EncodingError naming them, rather
    than dropping accents or emoji silently.
    """
    configured = Encoding(configured)
    if configured is Encoding.UCS2:
        return Encoding.UCS2
    if is_gsm7(text):
        return Encoding.GSM7
    if configured is Encoding.GSM7:
        bad = "".join(non_gsm_characters(text))
        raise EncodingError(f"characters not in the GSM-7 alphabet: {bad!r}")
    return Encoding.UCS2


def split_parts(text: str, encoding: Encoding) -> list[str]:
    """The parts a long message is cut into (one part when it fits in a single message)."""
    costs = [_unit_cost(c, encoding) for c in text]
    if sum(costs) <= SINGLE[encoding]:
        return [text]
    limit = PER_PART[encoding]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char, cost in zip(text, costs, strict=True):
        if used + cost > limit:  # the whole escape pair / surrogate pair moves to the next part
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    parts.append("".join(current))
    return parts


def count_units(text: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return len(text) + sum(text.count(c) for c in GSM7_EXTENSION if c in text)
    return len(text.encode("utf-16-le")) // 2  # characters outside the BMP take two units


def segment_info(text: str, configured: str = Encoding.AUTO) -> SegmentInfo:
    """Encoding, number of segments and units of ``text``. An empty text is one segment."""
    encoding = choose_encoding(text, configured)
    units = count_units(text, encoding)
    if units <= SINGLE[encoding]:
        return SegmentInfo(encoding, 1, units)
    return SegmentInfo(encoding, len(split_parts(text, encoding)), units)
