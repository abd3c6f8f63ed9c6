"""The vendored Bootstrap Icons sprite (``static/vendor/bootstrap-icons/bootstrap-icons.svg``):
pages draw an icon with ``<svg><use href="…svg#NAME"/></svg>``, so a stored icon name is valid
only when the sprite has a ``<symbol id="NAME">``. Read once per process (the file is part of
the release; a new version of the icon set comes with a restart)."""

from __future__ import annotations

import re
from functools import cache

from django.contrib.staticfiles import finders

SPRITE = "vendor/bootstrap-icons/bootstrap-icons.svg"
_SYMBOL_ID = re.compile(r'<symbol\b[^>]*\bid="([^"]+)"')


@cache
def icon_names() -> frozenset[str]:
    """Every icon name the sprite defines (about 2,000)."""
    path = finders.find(SPRITE)
    if not path:
        raise RuntimeError(f"the icon sprite {SPRITE} is missing from the static files")
    with open(path, encoding="utf-8") as sprite:
        return frozenset(_SYMBOL_ID.findall(sprite.read()))


def is_icon(name: str) -> bool:
    return name in icon_names()
