from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: what waits for the broker and what was sent; the relay alone writes rows."""

    list_display = ["key", "task", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "task"]
    search_fields = ["key"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
