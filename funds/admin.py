from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cases.admin import ConfigAdmin

from .models import (
    AidDocument,
    AidRequest,
    AidType,
    AmountBand,
    AmountRule,
    AmountTableRow,
    ApprovalStep,
    Delegation,
    Entry,
    EvidenceItem,
    FiscalYear,
    Fund,
    FundBalance,
    FundKind,
    LedgerTransaction,
)
from .services import fund_ensure_balance

admin.site.register(FundKind, ConfigAdmin)


class FiscalYearInline(admin.TabularInline):
    model = FiscalYear
    extra = 0
    fields = ["year", "budget", "opening", "closing", "closed_at"]
    readonly_fields = ["opening", "closing", "closed_at"]


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "unit__name_zh", "unit__name_en"]
    list_select_related = ["unit", "kind"]
    autocomplete_fields = ["unit"]
    inlines = [FiscalYearInline]

    def save_model(self, request: HttpRequest, obj: Fund, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        fund_ensure_balance(fund=obj)


@admin.register(FiscalYear)
class FiscalYearAdmin(admin.ModelAdmin):
    list_display = ["fund", "year", "budget", "opening", "closing", "closed_at"]
    list_filter = ["year"]
    list_select_related = ["fund"]
    readonly_fields = ["opening", "closing", "closed_at", "closed_by"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows are written only by the services: the admin may look, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    fields = ["fund", "account", "amount", "available_after", "reserved_after"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "source", "memo", "actor", "created_at"]
    list_filter = ["kind", "source"]
    search_fields = ["memo", "idempotency_key"]
    list_select_related = ["actor"]
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "transaction", "fund", "account", "amount", "available_after", "reserved_after"]
    list_filter = ["account"]
    list_select_related = ["transaction", "fund"]


@admin.register(FundBalance)
class FundBalanceAdmin(ReadOnlyAdmin):
    list_display = ["fund", "available", "reserved"]
    list_select_related = ["fund"]


# Aid: types, amount rules with their bands and table, approval steps and delegations are configuration;
# requests are written by the services and only looked at here.


class EvidenceItemInline(admin.TabularInline):
    """The type's evidence checklist: what a request must carry before it can be submitted."""

    model = EvidenceItem
    extra = 0
    fields = ["order", "name_zh", "name_en", "required", "valid_days", "paper_allowed", "is_active"]


@admin.register(AidType)
class AidTypeAdmin(ConfigAdmin):
    list_display = [*ConfigAdmin.list_display, "facts", "filed_only"]
    filter_horizontal = ["tiers"]
    inlines = [EvidenceItemInline]


class AmountBandInline(admin.TabularInline):
    model = AmountBand
    extra = 0


class AmountTableRowInline(admin.TabularInline):
    model = AmountTableRow
    extra = 0


@admin.register(AmountRule)
class AmountRuleAdmin(admin.ModelAdmin):
    list_display = [
        "aid_type", "kind", "fixed_amount", "per_request_cap", "uplift_percent", "yearly_cap", "topup_kind",
        "combined_cap",
    ]  # fmt: skip
    list_select_related = ["aid_type", "topup_kind"]
    inlines = [AmountBandInline, AmountTableRowInline]


@admin.register(ApprovalStep)
class ApprovalStepAdmin(admin.ModelAdmin):
    list_display = ["aid_type", "level", "applies_above", "role", "unit_kind"]
    list_filter = ["aid_type"]
    list_select_related = ["aid_type"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["delegator", "delegate", "starts_on", "ends_on", "note"]
    list_select_related = ["delegator", "delegate"]
    autocomplete_fields = ["delegator", "delegate"]


class AidDocumentInline(admin.TabularInline):
    """The request's evidence, removed documents included: looked at here, changed only on the request page."""

    model = AidDocument
    extra = 0
    can_delete = False
    fields = ["item", "original_name", "on_paper", "dated", "added_by", "added_at", "removed_by", "removed_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AidRequest)
class AidRequestAdmin(ReadOnlyAdmin):
    inlines = [AidDocumentInline]
    list_display = ["pk", "file", "aid_type", "requested_amount", "status", "level", "created_at"]
    list_filter = ["status", "aid_type"]
    list_select_related = ["file", "aid_type"]
