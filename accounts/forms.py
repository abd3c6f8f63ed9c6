from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AdminPasswordChangeForm, PasswordChangeForm
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import change_password


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, strip=True)


class OwnPasswordChangeForm(PasswordChangeForm):
    """The portal's password change: revokes the user's API tokens unless they keep them."""

    keep_api_tokens = forms.BooleanField(
        label=_("Keep my API tokens"),
        required=False,
        help_text=_(
            "Unticked, every API token of yours stops working: scripts need a new one. Keep them "
            "only if you are sure nobody else could have created or copied one."
        ),
    )

    revoked_tokens = 0

    def set_password_and_save(
        self,
        user: User,
        password_field_name: str = "new_password1",  # noqa: S107  (a field name, not a password)
        commit: bool = True,
    ) -> User:
        self.revoked_tokens = change_password(
            user=user,
            password=self.cleaned_data[password_field_name],
            keep_api_tokens=self.cleaned_data["keep_api_tokens"],
        )
        return user


class AdminPasswordResetForm(AdminPasswordChangeForm):
    """An admin's reset in the Django admin always revokes the user's API tokens: a reset means
    the old password is lost or known to someone else, and so may be any token made with it."""

    def set_password_and_save(
        self,
        user: User,
        password_field_name: str = "password1",  # noqa: S107  (a field name, not a password)
        commit: bool = True,
    ) -> User:
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data[password_field_name] if usable else None
        change_password(user=user, password=password, keep_api_tokens=False)
        return user

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["password2"].help_text = format_lazy(
            "{} {}", self.fields["password2"].help_text, _("Saving revokes this user's API tokens.")
        )
