from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import ApiToken, SecurityGroup, User


@admin.register(User)
class ContactCenterUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Contact center", {"fields": ("role", "security_groups")}),
    )
    list_display = ("username", "role", "first_name", "last_name", "is_active")
    list_filter = ("role", "is_active", "security_groups")


admin.site.register(SecurityGroup)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
