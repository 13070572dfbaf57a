from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cases.admin import ConfigAdmin

from .models import Holiday, MonitoringFlag, OutcomeReason, ReminderDigest, Visit, VisitFrequency


@admin.register(OutcomeReason)
class OutcomeReasonAdmin(ConfigAdmin):
    list_display = [*ConfigAdmin.list_display, "outcome"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "year", "starts_on", "ends_on"]
    list_filter = ["year"]


@admin.register(VisitFrequency)
class VisitFrequencyAdmin(admin.ModelAdmin):
    list_display = ["tier", "every_months"]


@admin.register(Visit)
class VisitAdmin(SimpleHistoryAdmin):
    list_display = ["file", "visited_on", "kind", "outcome", "recorded_by"]
    list_filter = ["kind", "outcome"]
    raw_id_fields = ["file", "visitors"]
    list_select_related = ["file", "recorded_by"]


@admin.register(MonitoringFlag)
class MonitoringFlagAdmin(SimpleHistoryAdmin):
    list_display = ["file", "reason", "raised_at", "handled_at", "handled_by"]
    list_filter = ["reason"]
    raw_id_fields = ["file", "visit"]


@admin.register(ReminderDigest)
class ReminderDigestAdmin(admin.ModelAdmin):
    list_display = ["helper", "kind", "period", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["period"]
    raw_id_fields = ["helper"]
    list_select_related = ["helper"]
