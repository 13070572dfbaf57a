from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Cause, HardshipFile, MeasureHeading, Member, Tier


class ConfigAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name_zh", "name_en", "code"]


admin.site.register(Tier, ConfigAdmin)
admin.site.register(Cause, ConfigAdmin)
admin.site.register(MeasureHeading, ConfigAdmin)


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


@admin.register(HardshipFile)
class HardshipFileAdmin(SimpleHistoryAdmin):
    """For administrators; cadres and chairs use the product's own pages."""

    list_display = ["name", "id_number", "unit", "tier", "status", "per_capita_income", "updated_at"]
    list_filter = ["status", "tier"]
    search_fields = ["name", "id_number"]
    list_select_related = ["unit", "tier"]
    raw_id_fields = ["unit"]
    inlines = [MemberInline]
