"""Registry of provider adapters, keyed by ``api_type``.

Every module in this package that defines an ``Adapter`` subclass with an ``api_type`` is found
automatically: adding a provider type is adding one module.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from providers.adapters.base import Adapter


@cache
def registry() -> dict[str, type[Adapter]]:
    found: dict[str, type[Adapter]] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base":
            continue
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and issubclass(value, Adapter)
                and "api_type" in vars(value)
                and value.__module__ == loaded.__name__
            ):
                if value.api_type in found:
                    raise RuntimeError(f"two adapters claim api_type {value.api_type!r}")
                found[value.api_type] = value
    return found


def adapter_class(api_type: str) -> type[Adapter]:
    try:
        return registry()[api_type]
    except KeyError:
        raise KeyError(f"unknown api_type {api_type!r}") from None


def api_type_choices() -> list[tuple[str, str]]:
    return [(name, cls.label) for name, cls in registry().items()]
