"""Exports of the filtered lists and the import of hardship files; thin views over tables and services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.access import Action, record_access, record_access_each
from cases.filters import FileFilter
from cases.selectors import file_get_for_user, file_list_for_user, unit_choices_for_create
from funds.forms import StatementFilterForm, aid_list_filters
from funds.selectors import aid_filtered_for_user, fund_get_for_user
from hardship.private_search import search_params
from visits.selectors import visits_for_file

from .columns import COLUMNS, template_help
from .forms import UploadForm
from .models import ImportJob
from .reader import SheetError
from .services import import_confirm, import_create, import_progress
from .tables import Table, aid_table, files_table, statement_table, visits_table
from .writer import FORMATS, table_response


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise Http404
    return fmt


def _download(request: HttpRequest, table: Table) -> HttpResponse:
    return table_response(fmt=_format(request), filename=table.filename, header=table.header, rows=table.rows)


def _back_with_filter_error(request: HttpRequest, to: str) -> HttpResponse:
    messages.error(request, _("Please correct the filters before exporting."))
    query = request.GET.copy()
    query.pop("format", None)
    return redirect(f"{to}?{query.urlencode()}")


@login_required
def export_files(request: HttpRequest) -> HttpResponse:
    _format(request)
    params = search_params(request)  # the search text waits in the session, never in the URL
    params.pop("format", None)
    filterset = FileFilter(params or None, queryset=file_list_for_user(user=request.user), user=request.user)
    if filterset.is_bound and not filterset.is_valid():
        return _back_with_filter_error(request, reverse("cases:file_list"))
    table = files_table(user=request.user, qs=filterset.qs, order=filterset.sort_key())
    record_access_each(request, filterset.qs)  # one row per household exported
    return _download(request, table)


@login_required
def export_aid(request: HttpRequest) -> HttpResponse:
    qs = aid_filtered_for_user(user=request.user, **aid_list_filters(request.GET))
    record_access_each(request, qs, file_field="file_id", unit_field="file__unit_id")
    return _download(request, aid_table(user=request.user, qs=qs))


@login_required
def export_statement(request: HttpRequest, pk: int) -> HttpResponse:
    fund = fund_get_for_user(user=request.user, pk=pk)
    filters = StatementFilterForm(request.GET)
    if not filters.is_valid():
        return _back_with_filter_error(request, fund.get_absolute_url())
    record_access(request, fund, Action.EXPORT)
    return _download(request, statement_table(fund=fund, filters=filters.cleaned_data))


@login_required
def export_visits(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    record_access(request, hfile, Action.EXPORT)
    table = visits_table(user=request.user, hfile=hfile, qs=visits_for_file(hfile=hfile))
    return _download(request, table)


# Import.


def _may_import(request: HttpRequest) -> None:
    if not unit_choices_for_create(user=request.user):
        raise PermissionDenied


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _may_import(request)
    help_header, help_rows = template_help(request.user)
    return table_response(
        fmt=_format(request),
        filename=_("hardship-files-template"),
        header=[str(c.label) for c in COLUMNS],
        rows=[],
        extra_sheets=[(_("Help"), help_header, help_rows)],
    )


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    _may_import(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_create(by=request.user, filename=upload.name, content=upload.read())
        except SheetError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(job)
    recent = ImportJob.objects.for_user(request.user).defer("content", "plan", "errors")[:10]
    limits = settings.HARDSHIP
    context = {
        "form": form,
        "recent": recent,
        "max_rows": limits["IMPORT_MAX_ROWS"],
        "max_mb": round(limits["IMPORT_MAX_BYTES"] / 1_000_000, 1),
    }
    return render(request, "sheets/import_form.html", context)


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.for_user(request.user).defer("content"), pk=pk)


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "sheets/importjob_detail.html", {"job": job, "progress": import_progress(job)})


@login_required
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "progress": import_progress(job),
            "finished": not job.is_running,
        }
    )


@require_POST
@login_required
def import_confirm_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        job = import_confirm(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        job.refresh_from_db()
        if job.status == "done":
            messages.success(
                request,
                _("Imported: %(n)d files created, %(m)d updated.") % {"n": job.created_count, "m": job.updated_count},
            )
    return redirect(job)
