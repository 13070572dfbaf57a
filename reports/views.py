"""Thin views: ask for a report, watch it being made, download it; the annual summary's preview and drill-down."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.access import Action, record_access
from cases.selectors import file_list_for_user
from funds.selectors import aid_list_for_user
from hardship.pagination import cursor_param, keyset_page, keyset_page_for
from hardship.uploads import attachment_response
from org.privacy import fields_in_full

from .annual import AID_BASIS, annual_figures, file_metric_q
from .drill import Column, aid_requests, compliance_households, outcome_households, paid_households, with_columns
from .forms import AidDrillForm, AnnualSummaryForm, FileDrillForm, VisitDrillForm, VisitRosterForm
from .kinds import kind_for
from .models import ReportStatus
from .selectors import my_reports, report_get_for_user, report_household, snapshot_for
from .services import report_request, report_retry, summary_finalise
from .summary import aid_figure, corrections, file_figure, metric_labels, summary_context, visit_figure


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page_for(request, my_reports(user=request.user), field="created_at", descending=True)
    may_summarise = bool(AnnualSummaryForm(user=request.user).fields["unit_id"].choices)
    context = {"page": page, "may_summarise": may_summarise, "roster_form": VisitRosterForm(user=request.user)}
    return render(request, "reports/report_list.html", context)


@require_POST
@login_required
def report_create(request: HttpRequest, kind: str) -> HttpResponse:
    spec = kind_for(kind)
    if spec is None:
        raise Http404
    form = spec.form(request.POST, user=request.user)
    if not form.is_valid():
        for error in [e for errors in form.errors.values() for e in errors]:
            messages.error(request, error)
        back = request.POST.get("back", "")
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False)
        return redirect(back if back and safe else "reports:report_list")
    # PermissionDenied (a role that may not ask for this kind here) is a 403.
    report, reused = report_request(
        user=request.user,
        kind=kind,
        unit=form.unit(),
        params=form.params(),
        regenerate=form.cleaned_data["regenerate"],
    )
    if reused and report.status == ReportStatus.DONE:
        messages.info(request, _("The data has not changed since this report was made: here is the stored copy."))
    return redirect(report)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    retention = settings.HARDSHIP["REPORT_RETENTION_DAYS"]
    return render(request, "reports/report_detail.html", {"report": report, "retention_days": retention})


@login_required
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The report's state for the status page's script."""
    report = report_get_for_user(user=request.user, pk=pk)
    return JsonResponse(
        {
            "status": report.status,
            "label": report.get_status_display(),
            "progress": report.progress,
            "error": report.error,
            "finished": report.is_finished,
        }
    )


@login_required
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    if report.status == ReportStatus.EXPIRED:
        messages.error(request, _("The file of this report has expired and was deleted. Generate it again."))
        return redirect(report)
    if report.status != ReportStatus.DONE:
        messages.error(request, _("This report is not ready."))
        return redirect(report)
    if not default_storage.exists(report.file.name):
        messages.error(request, _("The file of this report is no longer stored. Generate it again."))
        return redirect(report)
    if not set(report.params.get("full", ())) <= set(fields_in_full(request.user, report.unit)):
        messages.error(request, _("This copy shows details your role may not see: print your own copy from the page."))
        return redirect(report)
    record_access(request, report, Action.PDF, report.unit_id, file_id=report_household(report))
    handle = default_storage.open(report.file.name, "rb")
    return attachment_response(handle, content_type="application/pdf", name=report.title, fallback="report")


@require_POST
@login_required
def report_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    return redirect(report_retry(report=report, by=request.user))


# --- the annual summary --------------------------------------------------------------------------------


@login_required
def annual_summary(request: HttpRequest) -> HttpResponse:
    form = AnnualSummaryForm(request.GET or None, user=request.user)
    if not form.fields["unit_id"].choices:
        raise PermissionDenied
    context: dict = {"form": form}
    if form.is_bound and form.is_valid():
        unit, year = form.unit(), form.cleaned_data["year"]
        figures = annual_figures(unit=unit, year=year)
        snapshot = snapshot_for(unit=unit, year=year)
        context.update(summary_context(snapshot.figures if snapshot else figures, drill=True))
        context.update(
            snapshot=snapshot,
            corrections=corrections(snapshot.figures, figures) if snapshot else [],
            unit=unit,
            may_finalise=snapshot is None and year < timezone.localdate().year,
        )
    return render(request, "reports/annual_summary.html", context)


@require_POST
@login_required
def annual_summary_finalise(request: HttpRequest) -> HttpResponse:
    form = AnnualSummaryForm(request.POST, user=request.user)
    if not form.is_valid():
        for error in [e for errors in form.errors.values() for e in errors]:
            messages.error(request, error)
        return redirect("reports:annual_summary")
    unit, year = form.unit(), form.cleaned_data["year"]
    try:
        summary_finalise(unit=unit, year=year, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The %(year)s summary is finalised: its figures are frozen.") % {"year": year})
    return redirect(f"{reverse('reports:annual_summary')}?{urlencode({'unit_id': unit.pk, 'year': year})}")


def _drill_page(request: HttpRequest, template: str, form, context: dict) -> HttpResponse:
    """A drill-down page: which figure it lists, and whether that figure is frozen while the list is today's."""
    if form.is_valid():
        data = form.cleaned_data
        context["snapshot"] = snapshot_for(unit=data["unit"], year=data["year"])
        context["summary_url"] = (
            f"{reverse('reports:annual_summary')}?{urlencode({'unit_id': data['unit'].pk, 'year': data['year']})}"
        )
    return render(request, template, {"form": form, "page": None, **context})


def _cursors(request: HttpRequest) -> dict:
    return {"after": cursor_param(request, "after"), "before": cursor_param(request, "before")}


@login_required
def annual_files(request: HttpRequest) -> HttpResponse:
    """The households behind one figure of the annual summary's household tables, in the user's scope."""
    form = FileDrillForm(request.GET, user=request.user)
    context = {}
    if form.is_valid():
        data = form.cleaned_data
        qs = file_list_for_user(user=request.user).filter(
            file_metric_q(data["metric"], data["year"]), unit_id__in=form.unit_ids()
        )
        if data.get("tier"):
            qs = qs.filter(tier_id=data["tier"])
        if data.get("cause"):
            qs = qs.filter(file_causes__cause_id=data["cause"], file_causes__is_primary=True)
        page = keyset_page(qs.select_related("unit", "tier"), field="name", descending=False,
                           size=settings.HARDSHIP["PAGE_SIZE"], **_cursors(request))  # fmt: skip
        context = {"page": page, "figure": file_figure(data)}
    return _drill_page(request, "reports/annual_files.html", form, context)


@login_required
def annual_visits(request: HttpRequest) -> HttpResponse:
    """The households behind one figure of the annual summary's visits tables, each with its own figures."""
    form = VisitDrillForm(request.GET, user=request.user)
    context = {}
    if form.is_valid():
        data = form.cleaned_data
        files = file_list_for_user(user=request.user).filter(unit_id__in=form.unit_ids())
        size = settings.HARDSHIP["PAGE_SIZE"]
        if data["metric"] == "outcome":
            page = outcome_households(files=files, year=data["year"], outcome=data["outcome"], size=size,
                                      **_cursors(request))  # fmt: skip
            columns = [Column(_("Visits with this finding"))]
        else:
            page = compliance_households(files=files, year=data["year"], metric=data["metric"], size=size,
                                         **_cursors(request))  # fmt: skip
            labels = metric_labels()
            columns = [
                Column(labels["required"]),
                Column(labels["required_made"]),
                Column(_("Visits made in the year")),
            ]
        context = {"page": with_columns(page, columns), "columns": columns, "figure": visit_figure(data)}
    return _drill_page(request, "reports/annual_households.html", form, context)


@login_required
def annual_aid(request: HttpRequest) -> HttpResponse:
    """The aid requests behind one figure of the annual summary's aid table, or the households paid aid."""
    form = AidDrillForm(request.GET, user=request.user)
    context = {}
    if form.is_valid():
        data, ids = form.cleaned_data, form.unit_ids()
        requests = aid_list_for_user(user=request.user).filter(file__unit_id__in=ids)
        if data.get("aid_type"):
            requests = requests.filter(aid_type_id=data["aid_type"])
        if data.get("fund"):
            requests = requests.filter(fund_id=data["fund"])
        size, figure = settings.HARDSHIP["PAGE_SIZE"], aid_figure(data, unit_ids=ids)
        if data["metric"] == "households":
            files = file_list_for_user(user=request.user)
            page = paid_households(files=files, requests=requests, year=data["year"], size=size, **_cursors(request))
            columns = [Column(_("Payments in the year")), Column(_("Amount paid"), money=True)]
            context = {"page": with_columns(page, columns), "figure": figure, "columns": columns}
            return _drill_page(request, "reports/annual_households.html", form, context)
        page, totals = aid_requests(requests=requests, year=data["year"], metric=data["metric"], size=size,
                                    **_cursors(request))  # fmt: skip
        basis = AID_BASIS[data["metric"]]
        dates = {"requested": _("Requested on"), "approved": _("Approved on"), "paid": _("Paid on")}
        context = {"page": page, "totals": totals, "figure": figure, "basis": basis, "date_label": dates[basis]}
    return _drill_page(request, "reports/annual_aid.html", form, context)
