"""Possible duplicates of a file, and merging one into it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hardship.forms import report_service_error
from org.scoping import scope_for

from ..selectors import file_get_for_user
from ..workflow import CHAIR_ROLES, FileStatus
from .forms import MergeForm
from .selectors import duplicate_warnings, mark_mergeable
from .services import file_merge


def warn_duplicates(request: HttpRequest, hfile) -> None:
    """After a save: warn (never block) when the household may already be in another open file."""
    warnings = duplicate_warnings(user=request.user, hfile=hfile)
    if warnings:
        text = ngettext(
            "%(n)d other open file may hold the same people.",
            "%(n)d other open files may hold the same people.",
            len(warnings),
        ) % {"n": len(warnings)}
        link = reverse("cases:file_duplicates", args=[hfile.pk])
        messages.warning(request, format_html('{} <a href="{}">{}</a>', text, link, _("See why")))


@login_required
def file_duplicates(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    warnings = duplicate_warnings(user=request.user, hfile=hfile)
    mark_mergeable(user=request.user, hfile=hfile, warnings=warnings)
    return render(request, "cases/hardshipfile_duplicates.html", {"file": hfile, "warnings": warnings})


@login_required
def file_merge_page(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    if hfile.status == FileStatus.CLOSED or not scope_for(request.user).roles_at(hfile.unit) & CHAIR_ROLES:
        messages.error(request, _("Only a branch chair may merge a duplicate into an open file."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    other = request.GET.get("other", "")
    form = MergeForm(data, initial={"other": other if other.isdigit() else None})
    if data is not None and form.is_valid():
        merged = type(hfile)(pk=form.cleaned_data["other"])
        try:
            file_merge(survivor=hfile, merged=merged, by=request.user, **_service_args(form))
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("File no. %(pk)s was merged into this file.") % {"pk": merged.pk})
            return redirect(hfile)
    return render(request, "cases/hardshipfile_merge.html", {"file": hfile, "form": form})


def _service_args(form: MergeForm) -> dict:
    return {"worker_as": form.cleaned_data["worker_as"], "comment": form.cleaned_data["comment"]}
