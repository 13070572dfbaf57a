"""Thin views: selector -> form -> service -> redirect."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.access import Action, record_access
from audit.denials import note_refusal
from cases.selectors import file_get_for_user
from hardship.pagination import cursor_param, keyset_page_for
from hardship.uploads import attachment_response
from org.scoping import scope_for

from .forms import (
    AidRequestForm,
    AllocateForm,
    BudgetForm,
    DecisionForm,
    EvidenceForm,
    PayForm,
    ReverseForm,
    StatementFilterForm,
    TransferForm,
    aid_list_filters,
)
from .models import AidRequest, Fund
from .selectors import (
    QUEUE_BADGE_CAP,
    aid_detail_for_user,
    aid_get_for_user,
    aid_page,
    approval_queue_count,
    approval_queue_for_user,
    budget_rows,
    document_get_for_user,
    fund_get_for_user,
    fund_rows_for_user,
    reconciliation_for_fund,
    request_funds_for_user,
    statement_page,
    transaction_get_for_fund,
    transfer_targets_for_user,
)
from .services import (
    aid_derivation,
    aid_document_add,
    aid_document_remove,
    aid_payment_reverse,
    aid_request_create,
    aid_request_decide,
    aid_request_pay,
    aid_request_submit,
    aid_request_update,
    checklist,
    decision_authority,
    duplicates_of,
    fiscal_year_set_budget,
    fund_allocate,
    fund_may_manage,
    fund_transfer,
    may_request,
    transaction_reverse,
)
from .workflow import EDITABLE_STATUSES, REQUEST_ROLES, AidStatus


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
            after=cursor_param(request, "after"),
            before=cursor_param(request, "before"),
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
def fund_budget(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _managed_fund(request, pk)
    this_year = timezone.localdate().year
    year = cursor_param(request, "year") or this_year
    budgets = dict(fund.fiscal_years.values_list("year", "budget"))
    form = BudgetForm(request.POST or None, this_year=this_year, initial={"year": year, "budget": budgets.get(year)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fiscal_year_set_budget(fund=fund, year=data["year"], budget=data["budget"], by=request.user)
        except ValidationError as exc:
            form.add_error("budget", exc.messages)
        else:
            messages.success(request, _("The budget for %(year)d was recorded.") % {"year": data["year"]})
            return redirect(fund)
    return render(request, "funds/fund_move.html", {"fund": fund, "form": form, "title": _("Set a budget")})


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


# Aid requests.


def _aid_redirect(request: HttpRequest, aid: AidRequest, exc: Exception) -> HttpResponse:
    note_refusal(request, exc)
    messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    return redirect(aid)


@login_required
def aid_list(request: HttpRequest) -> HttpResponse:
    filters = aid_list_filters(request.GET)
    page = aid_page(
        user=request.user,
        size=settings.HARDSHIP["PAGE_SIZE"],
        **filters,
        after=cursor_param(request, "after"),
        before=cursor_param(request, "before"),
    )
    unit_name = dict(scope_for(request.user).unit_choices()).get(filters["unit"], "").strip("\u2003")
    context = {"page": page, **filters, "statuses": AidStatus.choices, "unit_name": unit_name}
    return render(request, "funds/aidrequest_list.html", context)


@login_required
def aid_queue(request: HttpRequest) -> HttpResponse:
    """The requests waiting for the user's decision, oldest first, a page at a time."""
    queue = approval_queue_for_user(user=request.user)
    page = keyset_page_for(request, queue, field="updated_at", descending=False)
    one_page = page.next_cursor is None and page.prev_cursor is None
    # Beyond a page, the navigation badge's count (cached, counted up to 100 at most: "99+").
    count = len(page.items) if one_page else approval_queue_count(user=request.user)
    context = {"rows": page.items, "page": page, "count": count, "count_cap": QUEUE_BADGE_CAP}
    return render(request, "funds/aidrequest_queue.html", context)


@login_required
def aid_create(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).has_role(*REQUEST_ROLES):
        raise PermissionDenied
    file_pk = cursor_param(request, "file")
    if file_pk is None:
        return render(request, "funds/aidrequest_choose_file.html", {"bad": "file" in request.GET})
    hfile = file_get_for_user(user=request.user, pk=file_pk)
    form = AidRequestForm(request.POST or None, **_form_choices(request, hfile))
    if request.method == "POST" and form.is_valid():
        try:
            aid = aid_request_create(hfile=hfile, data=form.to_data(), by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            note_refusal(request, exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("The aid request was saved as a draft."))
            return redirect(aid)
    return render(request, "funds/aidrequest_form.html", {"form": form, "hfile": hfile, "aid": None})


def _form_choices(request: HttpRequest, hfile) -> dict:
    return {"funds": request_funds_for_user(user=request.user, hfile=hfile), "members": hfile.members.all()}


def _form_errors(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))


@login_required
def aid_update(request: HttpRequest, pk: int) -> HttpResponse:
    aid = aid_get_for_user(user=request.user, pk=pk)
    if aid.status not in EDITABLE_STATUSES or not may_request(user=request.user, hfile=aid.file):
        messages.error(request, _("This request cannot be changed by you now."))
        return redirect(aid)
    initial = AidRequestForm.initial_for(aid)
    form = AidRequestForm(request.POST or None, initial=initial, **_form_choices(request, aid.file))
    if request.method == "POST" and form.is_valid():
        try:
            aid_request_update(request=aid, data=form.to_data(), by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            note_refusal(request, exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("The aid request was saved."))
            return redirect(aid)
    return render(request, "funds/aidrequest_form.html", {"form": form, "hfile": aid.file, "aid": aid})


@login_required
def aid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    aid = aid_detail_for_user(user=request.user, pk=pk)
    record_access(request, aid, Action.VIEW, aid.file.unit_id)
    user = request.user
    try:
        decision_authority(user=user, request=aid)
        may_decide = aid.status == AidStatus.IN_APPROVAL
    except PermissionDenied:
        may_decide = False
    rows = checklist(request=aid)
    context = {
        "aid": aid,
        "derivation": aid_derivation(request=aid),
        "duplicates": list(duplicates_of(aid)),
        "checklist": rows,
        "blocking": [row for row in rows if row.blocking],
        "may_edit": aid.status in EDITABLE_STATUSES and may_request(user=user, hfile=aid.file),
        "may_decide": may_decide,
        "may_pay": aid.status in (AidStatus.APPROVED, AidStatus.PAID) and fund_may_manage(user=user, fund=aid.fund),
        "decision_form": DecisionForm(),
        "pay_form": PayForm(),
    }
    return render(request, "funds/aidrequest_detail.html", context)


@login_required
@require_POST
def aid_submit(request: HttpRequest, pk: int) -> HttpResponse:
    aid = aid_get_for_user(user=request.user, pk=pk)
    try:
        aid_request_submit(request=aid, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        return _aid_redirect(request, aid, exc)
    messages.success(request, _("The aid request was submitted for approval."))
    return redirect(aid)


@login_required
@require_POST
def aid_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    aid = aid_get_for_user(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        aid_request_decide(request=aid, action=action, by=request.user, comment=comment)
    except (ValidationError, PermissionDenied) as exc:
        return _aid_redirect(request, aid, exc)
    messages.success(request, _("Your decision was recorded."))
    return redirect(aid)


@login_required
@require_POST
def aid_pay(request: HttpRequest, pk: int) -> HttpResponse:
    aid = aid_get_for_user(user=request.user, pk=pk)
    form = PayForm(request.POST)
    if not form.is_valid():
        return _aid_redirect(request, aid, ValidationError(_("The payment form was incomplete; try again.")))
    try:
        aid = aid_request_pay(request=aid, by=request.user, idempotency_key=form.cleaned_data["key"])
    except (ValidationError, PermissionDenied) as exc:
        return _aid_redirect(request, aid, exc)
    messages.success(request, _("The aid was paid."))
    return redirect("funds:aid_receipt", aid.pk)


@login_required
def aid_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    aid = aid_get_for_user(user=request.user, pk=pk)
    if aid.status != AidStatus.PAID or not fund_may_manage(user=request.user, fund=aid.fund):
        messages.error(request, _("Only a paid request's payment can be reversed, by whoever manages its fund."))
        return redirect(aid)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            aid_payment_reverse(request=aid, by=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            note_refusal(request, exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("The payment was reversed; the money is reserved for the request again."))
            return redirect(aid)
    return render(request, "funds/aidrequest_reverse.html", {"aid": aid, "form": form})


@login_required
def aid_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    aid = aid_detail_for_user(user=request.user, pk=pk)
    if aid.status != AidStatus.PAID:
        raise Http404
    record_access(request, aid, Action.VIEW, aid.file.unit_id)
    context = {
        "aid": aid,
        "derivation": aid_derivation(request=aid),
        "duplicates": list(duplicates_of(aid)),
        "checklist": checklist(request=aid),
    }
    return render(request, "funds/aidrequest_receipt.html", context)


# The evidence checklist of a request.


def _form_message(form) -> ValidationError:
    """A bound form's errors as one message: "Label: error" for each field."""
    texts = [f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
             for name, errors in form.errors.items()]  # fmt: skip
    return ValidationError(" ".join(texts))


@login_required
@require_POST
def aid_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    aid = aid_get_for_user(user=request.user, pk=pk)
    items = {row.item.pk: row.item for row in checklist(request=aid)}
    form = EvidenceForm(request.POST, request.FILES, items=items.values())
    if not form.is_valid():
        return _aid_redirect(request, aid, _form_message(form))
    data = form.cleaned_data
    try:
        aid_document_add(
            request=aid, item=items[data["item"]], dated=data["dated"], by=request.user, upload=data["file"],
            on_paper=data["on_paper"],
        )  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return _aid_redirect(request, aid, exc)
    messages.success(request, _("The document was added to the checklist."))
    return redirect(aid)


@login_required
@require_POST
def aid_evidence_remove(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    aid = aid_get_for_user(user=request.user, pk=pk)
    document = get_object_or_404(aid.documents.current(), pk=doc_pk)
    try:
        aid_document_remove(document=document, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        return _aid_redirect(request, aid, exc)
    messages.success(request, _("The document was taken off the checklist."))
    return redirect(aid)


@login_required
def aid_document_download(request: HttpRequest, pk: int) -> FileResponse:
    """A copy of an evidence document, in scope only, always as a download (never rendered by the browser)."""
    document = document_get_for_user(user=request.user, pk=pk)
    if document.on_paper:
        raise Http404
    record_access(request, document, Action.EXPORT, document.request.file.unit_id, file_id=document.request.file_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return attachment_response(
        handle, content_type=document.content_type, name=document.original_name, fallback="document"
    )
