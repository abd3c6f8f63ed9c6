"""The OpenAPI schema and its Swagger UI, for signed-in users (session or API token) only."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import IsAuthenticated


class SchemaView(SpectacularAPIView):
    """Anonymous callers get 401, like every other API endpoint."""

    permission_classes = [IsAuthenticated]


class DocsView(SpectacularSwaggerSplitView):
    """A browser page: anonymous visitors are sent to the login page and come back."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
