"""Dial strings and port lists of port-based gateways: ``0-3`` (or ``0.3``) and ``0,2,5``."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

MAX_PORT = 31
MAX_ENTRIES = MAX_PORT + 1  # a gateway has ports 0–31: a longer list can only repeat them
_RANGE = re.compile(r"^(\d+)\s*[-.]\s*(\d+)$", re.ASCII)


def _port(digits: str) -> int:
    """The port a run of digits names; ValueError before a huge number is ever expanded."""
    if len(digits.lstrip("0")) > 2 or int(digits) > MAX_PORT:
        raise ValueError(
            _("Port %(port)s is out of range (0–%(max)s).") % {"port": digits, "max": MAX_PORT}
        )
    return int(digits)


def parse_ports(text: str) -> list[int]:
    """Ports in the order they are used round-robin. ValueError says what is wrong.

    Every bound is checked on the text before any range is expanded, so ``0-99999999999`` is a
    clear error, never a list of a hundred billion numbers."""
    text = (text or "").strip()
    if not text:
        raise ValueError(_("Give at least one port, e.g. 0-3 or 0,2,5."))
    chunks = [chunk.strip() for chunk in text.split(",")]
    if len(chunks) > MAX_ENTRIES:
        raise ValueError(
            _("At most %(max)s ports or ranges are allowed; this dial string has %(count)s.")
            % {"max": MAX_ENTRIES, "count": len(chunks)}
        )
    ports: list[int] = []
    for chunk in chunks:
        found = _RANGE.match(chunk)
        if found:
            low, high = _port(found.group(1)), _port(found.group(2))
            if low > high:
                raise ValueError(_("The range %(range)s goes backwards.") % {"range": chunk})
            ports.extend(range(low, high + 1))
        elif chunk.isascii() and chunk.isdigit():
            ports.append(_port(chunk))
        else:
            raise ValueError(
                _("“%(chunk)s” is not a port number or a range like 0-3.") % {"chunk": chunk}
            )
    return list(dict.fromkeys(ports))
