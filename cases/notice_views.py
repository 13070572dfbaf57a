"""Thin views of the public notice: the notice lists, a printable notice, objections and their decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hardship.forms import report_service_error
from hardship.pagination import keyset_page_for

from .notice import notice_create, objection_decide, objection_record
from .notice_forms import NoticeForm, ObjectionDecisionForm, ObjectionForm
from .notice_selectors import (
    can_decide_objection,
    file_notice_for_user,
    notice_get_for_user,
    notice_rows,
    notice_units_for_user,
    notices_for_user,
    objection_get_for_user,
)
from .selectors import file_get_for_user


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page_for(request, notices_for_user(user=request.user), field="starts_on", descending=True)
    can_post = bool(notice_units_for_user(user=request.user))
    return render(request, "cases/notice_list.html", {"page": page, "can_post": can_post})


@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    if not notice_units_for_user(user=request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = NoticeForm(data, user=request.user)
    if data is not None and form.is_valid():
        try:
            notice = notice_create(by=request.user, **form.service_data())
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The households are on public notice."))
            return redirect(notice)
    return render(request, "cases/notice_form.html", {"form": form})


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = notice_get_for_user(user=request.user, pk=pk)
    rows = notice_rows(user=request.user, notice=notice)
    return render(request, "cases/notice_detail.html", {"notice": notice, "rows": rows})


@login_required
def objection_new(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    if not file_notice_for_user(user=request.user, hfile=hfile).can_object:
        messages.error(request, _("This household is not on public notice, or you cannot record objections on it."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    form = ObjectionForm(data)
    if data is not None and form.is_valid():
        try:
            objection_record(hfile=hfile, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The objection was recorded; it is pending until a branch chair decides it."))
            return redirect(hfile)
    context = {"file": hfile, "form": form, "heading": _("Record an objection")}
    return render(request, "cases/notice_objection_form.html", context)


@login_required
def objection_decide_page(request: HttpRequest, pk: int) -> HttpResponse:
    objection = objection_get_for_user(user=request.user, pk=pk)
    hfile = objection.entry.file
    if not can_decide_objection(user=request.user, objection=objection):
        messages.error(request, _("Only a branch chair may decide a pending objection."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    form = ObjectionDecisionForm(data)
    if data is not None and form.is_valid():
        try:
            objection_decide(objection=objection, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The objection was decided."))
            return redirect(hfile)
    context = {"file": hfile, "form": form, "objection": objection, "heading": _("Decide the objection")}
    return render(request, "cases/notice_objection_form.html", context)
