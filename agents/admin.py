"""Break types in the Django admin too (the portal's page is Configuration → Agents → Break
types); the model's checks, the icon name included, apply to both."""

from django.contrib import admin

from agents.models import BreakType


@admin.register(BreakType)
class BreakTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "icon", "position")
    list_editable = ("icon", "position")
    ordering = ("position", "name")
    search_fields = ("name",)
