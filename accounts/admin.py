from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import AdminPasswordResetForm
from accounts.models import ApiToken, SecurityGroup, User
from accounts.services import unlock_sign_in


@admin.register(User)
class ContactCenterUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Contact center", {"fields": ("role", "security_groups")}),
    )
    list_display = ("username", "role", "first_name", "last_name", "is_active")
    list_filter = ("role", "is_active", "security_groups")
    change_password_form = AdminPasswordResetForm
    actions = ["unlock_sign_in"]

    @admin.action(description=_("Unlock sign-in (forget failed attempts)"))
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        unlocked = [user.username for user in queryset if unlock_sign_in(username=user.username)]
        self.message_user(
            request,
            ngettext("%(count)d user unlocked.", "%(count)d users unlocked.", len(unlocked))
            % {"count": len(unlocked)},
            messages.SUCCESS,
        )


admin.site.register(SecurityGroup)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
