"""Thin views: selector -> form -> service -> redirect."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access import Action, record_access
from audit.denials import note_refusal
from cases.selectors import file_get_for_user
from hardship.forms import report_service_error
from hardship.pagination import keyset_page
from hardship.uploads import attachment_response

from .forms import FlagHandleForm, VisitForm
from .periods import add_months, parse_month
from .selectors import attachment_get_for_user as attachment_for
from .selectors import (
    can_handle_flag,
    can_record_visit,
    compliance_for_user,
    due_by_helper_for_user,
    flag_get_for_user,
    flags_for_user,
    visit_board_for_user,
    visit_get_for_user,
    visits_for_file,
)
from .services import flag_handle, visit_record
from .sync import conflicts_for_user


def _cursor(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _page(request: HttpRequest, qs, field: str):
    size = settings.HARDSHIP["PAGE_SIZE"]
    after, before = _cursor(request, "after"), _cursor(request, "before")
    return keyset_page(qs, field=field, descending=True, size=size, after=after, before=before)


@login_required
def my_visits(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("all") != "1"
    board = visit_board_for_user(user=request.user, today=timezone.localdate(), mine=mine)
    context = {"board": board, "mine": mine, "conflicts": conflicts_for_user(user=request.user)}
    return render(request, "visits/visit_board.html", context)


@login_required
def file_visits(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    page = _page(request, visits_for_file(hfile=hfile), "visited_on")
    context = {
        "file": hfile,
        "page": page,
        "can_record": can_record_visit(user=request.user, hfile=hfile),
        "flags": list(hfile.monitoring_flags.open().select_related("visit__reason")),
    }
    return render(request, "visits/visit_list.html", context)


@login_required
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    if not can_record_visit(user=request.user, hfile=hfile):
        messages.error(request, _("You cannot record a visit on this file."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    form = VisitForm(data, request.FILES if data is not None else None, user=request.user)
    if data is not None and form.is_valid():
        try:
            visit_record(
                file=hfile,
                by=request.user,
                data=form.service_data(),
                visitors=list(form.cleaned_data["visitors"]),
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("Visit to %(name)s recorded.") % {"name": hfile.name})
            back = request.GET.get("from") == "board"
            return redirect(reverse("visits:my_visits") if back else reverse("visits:file_visits", args=[hfile.pk]))
    return render(request, "visits/visit_form.html", {"file": hfile, "form": form})


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_get_for_user(user=request.user, pk=pk)
    record_access(request, visit, Action.VIEW, visit.file.unit_id)
    return render(request, "visits/visit_detail.html", {"visit": visit, "file": visit.file})


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = attachment_for(user=request.user, pk=pk)
    record_access(request, attachment, Action.EXPORT, attachment.visit.file.unit_id, file_id=attachment.visit.file_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return attachment_response(
        handle, content_type=attachment.content_type, name=attachment.original_name, fallback="attachment"
    )


@login_required
def flag_list(request: HttpRequest) -> HttpResponse:
    handled = request.GET.get("handled") == "1"
    flags = flags_for_user(user=request.user, handled=handled)
    page = _page(request, flags, "raised_at")
    open_count = flags.count() if not handled else flags_for_user(user=request.user).count()
    return render(request, "visits/monitoringflag_list.html", {"page": page, "handled": handled, "count": open_count})


@login_required
def flag_handle_page(request: HttpRequest, pk: int) -> HttpResponse:
    flag = flag_get_for_user(user=request.user, pk=pk)
    if not can_handle_flag(user=request.user, flag=flag):
        messages.error(request, _("You cannot handle this flag."))
        return redirect("visits:flag_list")
    form = FlagHandleForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            flag_handle(flag=flag, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            report_service_error(form, exc)
        except PermissionDenied as exc:
            note_refusal(request)
            messages.error(request, str(exc))
            return redirect("visits:flag_list")
        else:
            messages.success(request, _("The flag was handled."))
            return redirect("visits:flag_list")
    return render(request, "visits/monitoringflag_handle.html", {"flag": flag, "form": form})


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    month = parse_month(request.GET.get("month"), today)
    context = {
        "month": month,
        "previous": add_months(month, -1),
        "next": add_months(month, 1) if add_months(month, 1) <= today else None,
        "rows": compliance_for_user(user=request.user, month=month),
        "helpers": due_by_helper_for_user(user=request.user, month=month),
    }
    return render(request, "visits/compliance.html", context)
