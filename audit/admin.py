from django.contrib import admin

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence, nobody edits or deletes it (the database refuses too)."""

    list_display = ["at", "user", "action", "object_type", "object_id", "file_id", "unit", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["request_id", "user__username"]
    list_select_related = ["user", "unit"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
