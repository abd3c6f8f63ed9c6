"""Dial strings and port lists of port-based gateways: ``0-3`` (or ``0.3``) and ``0,2,5``."""

from __future__ import annotations

import re

MAX_PORT = 31
_RANGE = re.compile(r"^(\d+)\s*[-.]\s*(\d+)$")


def parse_ports(text: str) -> list[int]:
    """Ports in the order they are used round-robin. ValueError says what is wrong."""
    text = (text or "").strip()
    if not text:
        raise ValueError("Give at least one port, e.g. 0-3 or 0,2,5.")
    ports: list[int] = []
    for chunk in text.split(","):
        chunk = chunk.strip()
        found = _RANGE.match(chunk)
        if found:
            low, high = int(found.group(1)), int(found.group(2))
            if low > high:
                raise ValueError(f"The range {chunk} goes backwards.")
            ports.extend(range(low, high + 1))
        elif chunk.isdigit():
            ports.append(int(chunk))
        else:
            raise ValueError(f"“{chunk}” is not a port number or a range like 0-3.")
    wrong = [p for p in ports if p > MAX_PORT]
    if wrong:
        raise ValueError(f"Port {wrong[0]} is out of range (0–{MAX_PORT}).")
    return list(dict.fromkeys(ports))
