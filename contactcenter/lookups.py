"""Fetching one object by a primary key that came from a URL or a query string."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)
BIGINT_MAX = 2**63 - 1  # primary keys are BigAutoFields


def one_or_404(queryset: QuerySet[M], pk: Any, message: str) -> M:
    """The object of ``queryset`` with primary key ``pk``, or 404 with ``message`` when there is
    none, including when ``pk`` is not a whole number a key can be (``abc``, ``1e23``, ``-1``, a
    number past the column's range that PostgreSQL would refuse with an error)."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise Http404(message) from None
    if not 0 < key <= BIGINT_MAX:
        raise Http404(message)
    found = queryset.filter(pk=key).first()
    if found is None:
        raise Http404(message)
    return found
