"""Break types are edited by admins in the Django admin (SPEC §5 Configuration → Agents)."""

from django.contrib import admin

from agents.models import BreakType


@admin.register(BreakType)
class BreakTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "icon", "position")
    list_editable = ("icon", "position")
    ordering = ("position", "name")
    search_fields = ("name",)
