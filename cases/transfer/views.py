"""Transfer pages: request from the file, the inbox and outbox, the request itself, accept, refuse, withdraw."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.denials import note_refusal
from hardship.forms import report_service_error
from hardship.pagination import keyset_page_for
from org.scoping import scope_for

from ..selectors import file_get_for_user, plan_for_file
from .forms import NewHelperFormSet, TransferAcceptForm, TransferRefuseForm, TransferRequestForm
from .models import TransferStatus
from .selectors import (
    INBOX,
    OUTBOX,
    may_request_transfer,
    pending_transfer,
    transfer_box_for_user,
    transfer_get_for_user,
    transfer_permissions,
)
from .services import transfer_accept, transfer_cancel, transfer_refuse, transfer_request


@login_required
def transfer_create(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    if not may_request_transfer(user=request.user, hfile=hfile) or pending_transfer(hfile=hfile):
        messages.error(request, _("Only a branch chair may transfer an open file, and only one transfer at a time."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    form = TransferRequestForm(data, hfile=hfile)
    if data is not None and form.is_valid():
        try:
            transfer = transfer_request(hfile=hfile, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The transfer was requested; the household stays here until it is accepted."))
            return redirect(transfer)
    return render(request, "cases/transfer_form.html", {"file": hfile, "form": form})


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    box = OUTBOX if request.GET.get("box") == OUTBOX else INBOX
    status = request.GET.get("status", "")
    page = keyset_page_for(
        request, transfer_box_for_user(user=request.user, box=box, status=status), field="pk", descending=True
    )
    return render(
        request,
        "cases/transfer_list.html",
        {
            "page": page,
            "box": box,
            "status": status,
            "statuses": TransferStatus.choices,
            "scope": scope_for(request.user),
        },
    )


@login_required
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = transfer_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "cases/transfer_detail.html",
        {
            "transfer": transfer,
            "perms": transfer_permissions(user=request.user, transfer=transfer),
            "file_in_scope": transfer.file.unit_id in scope_for(request.user).unit_ids,
        },
    )


@login_required
def transfer_accept_page(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = transfer_get_for_user(user=request.user, pk=pk)
    if not transfer_permissions(user=request.user, transfer=transfer).can_decide:
        messages.error(request, _("Only a branch chair of the receiving unit may decide, while the transfer waits."))
        return redirect(transfer)
    data = request.POST if request.method == "POST" else None
    form = TransferAcceptForm(data)
    helpers = NewHelperFormSet(data, prefix="helpers", form_kwargs={"unit": transfer.to_unit})
    if data is not None and form.is_valid() and helpers.is_valid():
        try:
            transfer_accept(transfer=transfer, by=request.user, helpers=helpers.rows(), **form.cleaned_data)
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The household was taken over; its file is now kept by your unit."))
            return redirect(transfer.file)
    plan = plan_for_file(transfer.file)
    return render(
        request,
        "cases/transfer_accept.html",
        {"transfer": transfer, "form": form, "helpers": helpers, "has_plan": plan is not None},
    )


@login_required
def transfer_refuse_page(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = transfer_get_for_user(user=request.user, pk=pk)
    if not transfer_permissions(user=request.user, transfer=transfer).can_decide:
        messages.error(request, _("Only a branch chair of the receiving unit may decide, while the transfer waits."))
        return redirect(transfer)
    data = request.POST if request.method == "POST" else None
    form = TransferRefuseForm(data)
    if data is not None and form.is_valid():
        try:
            transfer_refuse(transfer=transfer, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The transfer was refused; the household stays with its unit."))
            return redirect(transfer)
    return render(request, "cases/transfer_refuse.html", {"transfer": transfer, "form": form})


@require_POST
@login_required
def transfer_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = transfer_get_for_user(user=request.user, pk=pk)
    try:
        transfer_cancel(transfer=transfer, by=request.user, reason=request.POST.get("reason", "")[:2000])
    except (ValidationError, PermissionDenied) as exc:
        note_refusal(request, exc)
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("The transfer was withdrawn."))
    return redirect(transfer)
