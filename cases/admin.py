from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from org.models import Locality

from .models import Cause, HardshipFile, LivingStandard, MeasureHeading, Member, ReliefRule, Tier, TierRule
from .notice_models import FederationPolicy
from .tasks import tiers_recompute_after_commit


class ConfigAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name_zh", "name_en", "code"]


admin.site.register(Tier, ConfigAdmin)
admin.site.register(Cause, ConfigAdmin)
admin.site.register(MeasureHeading, ConfigAdmin)


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(LivingStandard)
class LivingStandardAdmin(SimpleHistoryAdmin):
    """Minimum living standards per locality and year; every edit is kept in the history."""

    list_display = ["locality", "year", "monthly_amount", "note"]
    list_filter = ["year", "locality"]
    list_select_related = ["locality"]
    search_fields = ["locality__name_zh", "locality__name_en", "locality__code"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Suggestions are made for the current year: only its standard moves them.
        if obj.year == timezone.localdate().year:
            tiers_recompute_after_commit(locality_id=obj.locality_id, year=obj.year)
            messages.info(
                request,
                _("The tier suggestions of %(locality)s's open files are being recomputed.")
                % {"locality": obj.locality},
            )


@admin.register(TierRule)
class TierRuleAdmin(SimpleHistoryAdmin):
    """Tried by priority; the first active rule that holds gives the suggested tier (cases/tiering.py)."""

    list_display = ["priority", "kind", "factor", "cause", "tier", "is_active"]
    list_editable = ["is_active"]
    list_select_related = ["cause", "tier"]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


@admin.register(HardshipFile)
class HardshipFileAdmin(SimpleHistoryAdmin):
    """For administrators; cadres and chairs use the product's own pages."""

    list_display = ["name", "id_number", "unit", "tier", "status", "per_capita_income", "updated_at"]
    readonly_fields = ["suggested_tier", "per_capita_net", "tier_override_reason", "overridden_by", "overridden_at"]
    list_filter = ["status", "tier"]
    search_fields = ["name", "id_number"]
    list_select_related = ["unit", "tier"]
    raw_id_fields = ["unit"]
    inlines = [MemberInline]


@admin.register(ReliefRule)
class ReliefRuleAdmin(SimpleHistoryAdmin):
    """A household meets the relief rule when any active rule holds (cases/relief_rules.py); a chair confirms."""

    list_display = ["priority", "kind", "factor", "months", "is_active"]
    list_editable = ["is_active"]


@admin.register(FederationPolicy)
class FederationPolicyAdmin(admin.ModelAdmin):
    """Per federation: whether households need a public notice before filing, and when reviews show."""

    list_display = ["federation", "notice_required", "notice_working_days", "review_lead_days"]
    list_select_related = ["federation"]
