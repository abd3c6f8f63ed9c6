"""DRF authentication with ``Authorization: Token <key>``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import User
from accounts.tokens import user_for_key


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: expected 'Token <key>'.")
            )
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("The token has invalid characters.")) from exc
        user = user_for_key(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked token."))
        return user, None

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to unauthenticated API calls.
        return self.keyword
