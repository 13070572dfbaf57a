"""Thin views: selector -> form -> service -> redirect."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .forms import AllocateForm, ReverseForm, StatementFilterForm, TransferForm
from .models import Fund
from .selectors import (
    budget_rows,
    fund_get_for_user,
    fund_rows_for_user,
    reconciliation_for_fund,
    statement_page,
    transaction_get_for_fund,
    transfer_targets_for_user,
)
from .services import fund_allocate, fund_may_manage, fund_transfer, transaction_reverse


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _managed_fund(request: HttpRequest, pk: int) -> Fund:
    """The fund (404 out of scope), and 403 unless the user may move its money."""
    fund = fund_get_for_user(user=request.user, pk=pk)
    if not fund_may_manage(user=request.user, fund=fund):
        raise PermissionDenied
    return fund


def _service_errors(form, exc: ValidationError) -> None:
    form.add_error("amount" if getattr(exc, "code", "") == "amount" else None, exc.messages)


@login_required
def fund_list(request: HttpRequest) -> HttpResponse:
    return render(request, "funds/fund_list.html", {"funds": list(fund_rows_for_user(user=request.user))})


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = fund_get_for_user(user=request.user, pk=pk)
    filters = StatementFilterForm(request.GET)
    page = None
    if filters.is_valid():
        page = statement_page(
            fund=fund,
            size=settings.HARDSHIP["PAGE_SIZE"],
            after=_int_param(request, "after"),
            before=_int_param(request, "before"),
            **filters.cleaned_data,
        )
    context = {
        "fund": fund,
        "filters": filters,
        "page": page,
        "years": budget_rows(fund=fund),
        "can_manage": fund_may_manage(user=request.user, fund=fund),
    }
    return render(request, "funds/fund_detail.html", context)


@login_required
def fund_allocate_page(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _managed_fund(request, pk)
    form = AllocateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fund_allocate(
                fund=fund, amount=data["amount"], source=data["source"], by=request.user,
                idempotency_key=f"allocate-{data['key']}", memo=data["memo"],
            )  # fmt: skip
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The allocation was recorded."))
            return redirect(fund)
    return render(request, "funds/fund_move.html", {"fund": fund, "form": form, "title": _("Allocate money")})


@login_required
def fund_transfer_page(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _managed_fund(request, pk)
    targets = {t.pk: t for t in transfer_targets_for_user(user=request.user, source=fund)}
    labels = [(pk, f"{t.unit} · {t.name}") for pk, t in targets.items()]
    form = TransferForm(request.POST or None, targets=labels)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fund_transfer(
                source=fund, target=targets[data["target"]], amount=data["amount"], by=request.user,
                idempotency_key=f"transfer-{data['key']}", memo=data["memo"],
            )  # fmt: skip
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The transfer was recorded."))
            return redirect(fund)
    context = {"fund": fund, "form": form, "title": _("Pass money down"), "no_targets": not targets}
    return render(request, "funds/fund_move.html", context)


@login_required
def transaction_reverse_page(request: HttpRequest, pk: int, txn_pk: int) -> HttpResponse:
    fund = _managed_fund(request, pk)
    txn = transaction_get_for_fund(fund=fund, pk=txn_pk)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transaction_reverse(txn=txn, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The transaction was reversed."))
            return redirect(fund)
    entries = txn.entries.select_related("fund").order_by("pk")
    context = {"fund": fund, "txn": txn, "entries": entries, "form": form}
    return render(request, "funds/transaction_reverse.html", context)


@login_required
def fund_reconciliation(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    fund = fund_get_for_user(user=request.user, pk=pk)
    rec = reconciliation_for_fund(fund=fund, year=year)
    context = {"fund": fund, "rec": rec, "this_year": timezone.localdate().year}
    return render(request, "funds/fund_reconciliation.html", context)
