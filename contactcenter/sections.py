"""Landing pages of the menu sections, guarded by the shared role table."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import section_required


def section_page(section: str, template: str) -> Callable[[HttpRequest], HttpResponse]:
    @section_required(section)
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, template, {"section": section})

    view.__name__ = f"{section}_page"
    return view
