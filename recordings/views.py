"""The Recordings page: the filters, one keyset page of conversations, a transcript panel.

The list is rendered here from the same selector the API uses; the transcript, the downloads
and the export's progress are the API's (``static/js/recordings.js``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import section_required
from accounts.roles import Section
from campaigns.selectors import agents_for, campaigns_for
from recordings.filters import FilterForm, Filters, parse_filters
from recordings.selectors import BadCursor, outcome, page_of


def about(count: int) -> str:
    """An estimated total as a person reads it: "about 1.2 million", "about 4,300"."""
    if count >= 1_000_000:
        value = f"{count / 1_000_000:.1f}".rstrip("0").rstrip(".")
        return _("about %(value)s million conversations") % {"value": value}
    if count >= 10_000:
        rounded = round(count, -2)
        return _("about %(count)s conversations") % {"count": f"{rounded:,}"}
    return ngettext("%(count)s conversation", "%(count)s conversations", count) % {"count": count}


@section_required(Section.RECORDINGS)
def index(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    form.fields["campaign"].choices = [
        (str(pk), name) for pk, name in campaigns_for(request.user).values_list("pk", "name")
    ]
    form.fields["agent"].choices = [
        (str(a.pk), a.get_full_name() or a.username) for a in agents_for(request.user)
    ]
    errors: dict[str, list[str]] = {}
    page = None
    try:
        filters = parse_filters(request.GET)
    except ValidationError as exc:
        errors = exc.message_dict
        filters = Filters()
    if not errors:
        try:
            page = page_of(request.user, filters, request.GET.get("cursor", ""))
        except BadCursor as exc:
            errors = {"cursor": [str(exc)]}
    rows = []
    if page:
        for row in page.rows:
            row.outcome_info = outcome(row)
            rows.append(row)
    first = request.GET.copy()
    first.pop("cursor", None)
    following = None
    if page and page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        following = query.urlencode()
    return render(
        request,
        "recordings/index.html",
        {
            "section": Section.RECORDINGS,
            "form": form,
            "errors": errors,
            "rows": rows,
            "total": about(page.estimate) if page else "",
            "next_query": following,
            "filters_json": filters.as_json(),
            "first_page": not request.GET.get("cursor"),
            "first_query": first.urlencode(),
        },
    )
