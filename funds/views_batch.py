"""Holiday condolence batch pages: thin views, selector -> form -> service -> redirect."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Tier
from cases.selectors import config_items
from hardship.forms import report_service_error
from hardship.pagination import cursor_param
from hardship.private_search import search_params, search_redirect
from org.models import Unit
from org.scoping import scope_for

from .forms_batch import BatchForm, DeliverForm, ReasonForm
from .models import BatchLine, BatchStatus, LineStatus
from .selectors_batch import (
    LINE_FILTERS,
    batch_funds_for_user,
    batch_get_for_user,
    batch_page,
    batch_summary,
    line_get_for_user,
    lines_page,
    manager_units_for_user,
    sheet_lines,
)
from .services import (
    MANAGE_ROLES,
    batch_approve,
    batch_cancel,
    batch_close,
    batch_create,
    batch_line_deliver,
    batch_line_exclude,
    batch_line_include,
    batch_line_reverse,
    batch_may_manage,
    condolence_tiers,
    line_may_deliver,
)

SERVICE_ERRORS = (ValidationError, PermissionDenied)


def _refused(request: HttpRequest, target, exc: Exception) -> HttpResponse:
    messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    return redirect(target)


def _form_refused(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        report_service_error(form, exc)
    else:
        form.add_error(None, str(exc))


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in BatchStatus.values else ""
    page = batch_page(
        user=request.user,
        size=settings.HARDSHIP["PAGE_SIZE"],
        status=status,
        after=cursor_param(request, "after"),
        before=cursor_param(request, "before"),
    )
    context = {
        "page": page,
        "status": status,
        "statuses": BatchStatus.choices,
        "may_create": scope_for(request.user).has_role(*MANAGE_ROLES),
    }
    return render(request, "funds/batch_list.html", context)


@login_required
def batch_create_page(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).has_role(*MANAGE_ROLES):
        raise PermissionDenied
    tiers = condolence_tiers(config_items(Tier, active_only=True))
    units = manager_units_for_user(user=request.user)
    choices = {"units": units, "funds": batch_funds_for_user(user=request.user), "tiers": tiers}
    form = BatchForm(request.POST or None, **choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = batch_create(
                unit=Unit.objects.get(pk=data["unit"]), holiday=data["holiday"], fund=form.fund_choice(),
                name=data["name"], gifts=form.gifts(), by=request.user,
            )  # fmt: skip
        except SERVICE_ERRORS as exc:
            _form_refused(form, exc)
        else:
            messages.success(request, _("The batch was made as a draft; check the households, then ask for approval."))
            return redirect(batch)
    return render(request, "funds/batch_form.html", {"form": form})


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = batch_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        return search_redirect(request)  # no name or ID number in the URL
    params = search_params(request)
    status = params.get("status", "")
    status = status if status in LINE_FILTERS else ""
    text = params.get("q", "")[:50]
    page = lines_page(
        user=request.user, batch=batch, size=settings.HARDSHIP["PAGE_SIZE"], status=status, text=text,
        after=cursor_param(request, "after"), before=cursor_param(request, "before"),
    )  # fmt: skip
    manage = batch_may_manage(user=request.user, batch=batch)
    approved = batch.status == BatchStatus.APPROVED
    for line in page.items:
        line.may_deliver = approved and line.status == LineStatus.PENDING
        line.may_deliver = line.may_deliver and line_may_deliver(user=request.user, line=line)
    context = {
        "batch": batch,
        "page": page,
        "summary": batch_summary(user=request.user, batch=batch),
        "tiers": list(batch.tiers.select_related("tier")),
        "status": status,
        "q": text,
        "statuses": [(s, LineStatus(s).label) for s in LINE_FILTERS],
        "manage": manage,
        "may_approve": manage and batch.status == BatchStatus.DRAFT and batch.created_by_id != request.user.pk,
        "deliver_form": DeliverForm(),
    }
    return render(request, "funds/batch_detail.html", context)


@login_required
def batch_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    batch = batch_get_for_user(user=request.user, pk=pk)
    scope = scope_for(request.user)
    unit = cursor_param(request, "unit")
    lines = list(sheet_lines(user=request.user, batch=batch, below=scope.path_of(unit) if unit else None))
    units = scope.unit_choices_below(batch.unit.path)
    return render(request, "funds/batch_sheet.html", {"batch": batch, "lines": lines, "units": units, "unit": unit})


def _batch_step(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    """A POST-only step on the whole batch: the service, then back to the batch with its outcome."""
    batch = batch_get_for_user(user=request.user, pk=pk)
    try:
        service(batch=batch, by=request.user)
    except SERVICE_ERRORS as exc:
        return _refused(request, batch, exc)
    messages.success(request, done)
    return redirect(batch)


@login_required
@require_POST
def batch_approve_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_step(request, pk, batch_approve, _("The batch was approved and its total reserved on the fund."))


@login_required
@require_POST
def batch_close_page(request: HttpRequest, pk: int) -> HttpResponse:
    done = _("The batch was closed; the money of the households not delivered was released.")
    return _batch_step(request, pk, batch_close, done)


def _with_reason(request: HttpRequest, batch, act, *, done: str, title: str, button: str, line=None):
    """A reason form whose POST runs `act(reason)`, then goes back to the batch."""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data["reason"])
        except SERVICE_ERRORS as exc:
            _form_refused(form, exc)
        else:
            messages.success(request, done)
            return redirect(batch)
    context = {"batch": batch, "line": line, "form": form, "title": title, "button": button}
    return render(request, "funds/batch_confirm.html", context)


@login_required
def batch_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    batch = batch_get_for_user(user=request.user, pk=pk)
    if batch.status != BatchStatus.DRAFT or not batch_may_manage(user=request.user, batch=batch):
        messages.error(request, _("Only a draft batch can be cancelled, by whoever manages it."))
        return redirect(batch)
    return _with_reason(
        request, batch, lambda reason: batch_cancel(batch=batch, by=request.user, reason=reason),
        done=_("The batch was cancelled; its households are free for another batch."),
        title=_("Cancel the batch"), button=_("Cancel the batch"),
    )  # fmt: skip


def _line(request: HttpRequest, pk: int, line_pk: int) -> BatchLine:
    return line_get_for_user(user=request.user, batch_pk=pk, pk=line_pk)


@login_required
def line_exclude_page(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    batch = line.batch
    if batch.status != BatchStatus.DRAFT or not batch_may_manage(user=request.user, batch=batch):
        messages.error(request, _("Households are excluded before approval, by whoever manages the batch."))
        return redirect(batch)
    return _with_reason(
        request, batch, lambda reason: batch_line_exclude(line=line, by=request.user, reason=reason),
        done=_("The household was excluded from the batch."), title=_("Exclude a household"), button=_("Exclude"),
        line=line,
    )  # fmt: skip


@login_required
@require_POST
def line_include_page(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    try:
        batch_line_include(line=line, by=request.user)
    except SERVICE_ERRORS as exc:
        return _refused(request, line.batch, exc)
    messages.success(request, _("The household is in the batch again."))
    return redirect(line.batch)


@login_required
def line_deliver_page(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    if not line_may_deliver(user=request.user, line=line):
        raise PermissionDenied
    # A repeated POST (a double click) goes on to the service, which answers it with the first delivery.
    if request.method != "POST" and (line.batch.status != BatchStatus.APPROVED or line.status != LineStatus.PENDING):
        messages.error(request, _("This household cannot be marked delivered now."))
        return redirect(line.batch)
    form = DeliverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch_line_deliver(
                line=line, by=request.user, delivered_on=data["delivered_on"], received_by=data["received_by"],
                idempotency_key=data["key"],
            )  # fmt: skip
        except SERVICE_ERRORS as exc:
            _form_refused(form, exc)
        else:
            messages.success(request, _("%(name)s: delivery recorded.") % {"name": line.file.name})
            return redirect(line.batch)
    context = {"batch": line.batch, "line": line, "form": form, "title": _("Record the delivery"),
               "button": _("Delivered")}  # fmt: skip
    return render(request, "funds/batch_confirm.html", context)


@login_required
def line_reverse_page(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    if line.status != LineStatus.DELIVERED or not batch_may_manage(user=request.user, batch=line.batch):
        messages.error(
            request, _("Only a delivered household's payment can be reversed, by whoever manages the batch.")
        )
        return redirect(line.batch)
    return _with_reason(
        request, line.batch, lambda reason: batch_line_reverse(line=line, by=request.user, reason=reason),
        done=_("The delivery was reversed."), title=_("Reverse the delivery"), button=_("Reverse"), line=line,
    )  # fmt: skip
