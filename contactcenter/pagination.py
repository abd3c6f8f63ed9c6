"""API pagination: ``limit``/``offset`` pages for the small lists, a cursor for the spool.

DRF quietly falls back to the default page for ``limit=1e20`` and passes a huge ``offset`` on to
the database (a 500 on PostgreSQL); here a value that is not a whole number in range is a 400
naming the parameter.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

MAX_PAGE = 1000
MAX_OFFSET = 10**12  # far beyond any table; keeps LIMIT + OFFSET inside a bigint


def whole_number(request: Request, name: str, maximum: int, minimum: int = 0) -> int | None:
    """The query parameter ``name`` as an int, None when absent; 400 naming it when malformed."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    digits = raw.isascii() and raw.isdigit() and len(raw) <= 20
    if not digits or not minimum <= int(raw) <= maximum:
        raise ValidationError(
            {
                name: [
                    _("Give a whole number from %(min)s to %(max)s.")
                    % {"min": minimum, "max": maximum}
                ]
            }
        )
    return int(raw)


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = MAX_PAGE

    def get_limit(self, request: Request) -> int:
        limit = whole_number(request, self.limit_query_param, self.max_limit, minimum=1)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        return whole_number(request, self.offset_query_param, MAX_OFFSET) or 0

    def get_schema_operation_parameters(self, view: object) -> list[dict]:
        bounds = {
            self.limit_query_param: (1, self.max_limit),
            self.offset_query_param: (0, MAX_OFFSET),
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
        return parameters


class IdCursorPagination(pagination.CursorPagination):
    """Pages by a unique, indexed key: no ``COUNT(*)`` and no growing ``OFFSET``, so page 10,000
    of a table of millions costs what page 1 does."""

    ordering = "id"
    page_size_query_param = "limit"
    max_page_size = MAX_PAGE

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound as exc:  # DRF answers 404 for a query parameter it cannot read
            raise ValidationError(
                {self.cursor_query_param: [_("Not a cursor this API gave out.")]}
            ) from exc

    def get_schema_operation_parameters(self, view: object) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def get_page_size(self, request: Request) -> int:
        size = whole_number(request, self.page_size_query_param, self.max_page_size, minimum=1)
        return self.page_size if size is None else size
