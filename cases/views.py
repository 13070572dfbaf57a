"""Thin views: selector -> form -> service -> redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit.access import Action, record_access
from hardship.forms import report_service_error
from hardship.pagination import keyset_page_for
from hardship.private_search import search_params, search_redirect
from org.models import Unit
from org.scoping import units_visible_to

from .duplicates.views import warn_duplicates
from .filters import FileFilter
from .forms import (
    TRANSITION_FORMS,
    HardshipFileForm,
    HelperFormSet,
    MeasureFormSet,
    MemberFormSet,
    PlanForm,
    TierOverrideForm,
)
from .forms import TransitionForm as CommentForm
from .history import file_history
from .models import HardshipFile
from .relief import file_relief_panel
from .selectors import (
    file_detail_for_user,
    file_get_for_user,
    file_list_for_user,
    file_permissions,
    file_rows_display,
    file_rows_for_list,
    file_tier_explanation,
    plan_for_file,
    unit_choices_for_create,
)
from .services import TransitionNotAllowed, file_override_tier, file_save, file_transition, plan_save
from .temporary import can_convert
from .workflow import TRANSITIONS, FileAction

HISTORY_ON_PAGE = 30


@login_required
def file_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return search_redirect(request)  # no name or ID number in the URL
    params = search_params(request)
    filterset = FileFilter(params or None, queryset=file_list_for_user(user=request.user), user=request.user)
    page = None
    if not filterset.is_bound or filterset.is_valid():
        field, descending = filterset.sort_key()
        page = keyset_page_for(request, file_rows_for_list(filterset.qs), field=field, descending=descending)
        page.items = file_rows_display(user=request.user, rows=page.items)
    return render(
        request,
        "cases/hardshipfile_list.html",
        {
            "filter": filterset,
            "page": page,
            "can_create": bool(unit_choices_for_create(user=request.user)),
        },
    )


def _file_form(request: HttpRequest, hfile: HardshipFile | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = HardshipFileForm(data, instance=hfile, user=request.user)
    members = MemberFormSet(data, instance=hfile or HardshipFile(), prefix="members")
    if data is not None and form.is_valid() and members.is_valid():
        try:
            saved = file_save(
                by=request.user,
                hfile=hfile,
                unit=_unit_for_create(form, request.user) if hfile is None else None,
                data=form.service_data(),
                causes=list(form.cleaned_data["causes"]),
                primary_cause=form.cleaned_data["primary_cause"],
                members=members.service_rows(),
            )
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The file was saved."))
            warn_duplicates(request, saved)
            return redirect(saved)
    return render(request, "cases/hardshipfile_form.html", {"form": form, "members": members, "file": hfile})


def _unit_for_create(form: HardshipFileForm, user) -> Unit:
    return units_visible_to(user).get(pk=form.cleaned_data["unit"])


@login_required
def file_create(request: HttpRequest) -> HttpResponse:
    if not unit_choices_for_create(user=request.user):
        raise PermissionDenied
    return _file_form(request, None)


@login_required
def file_update(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    if not file_permissions(user=request.user, hfile=hfile).can_edit:
        messages.error(request, _("You may not change this file in its current state."))
        return redirect(hfile)
    record_access(request, hfile, Action.VIEW)
    return _file_form(request, hfile)


@login_required
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_detail_for_user(user=request.user, pk=pk)
    record_access(request, hfile, Action.VIEW)
    perms = file_permissions(user=request.user, hfile=hfile)
    return render(
        request,
        "cases/hardshipfile_detail.html",
        {
            "file": hfile,
            "perms": perms,
            "plan": plan_for_file(hfile),
            "actions": [(action, FileAction(action).label) for action in perms.actions],
            "history": file_history(hfile)[:HISTORY_ON_PAGE],
            "tier_why": file_tier_explanation(hfile),
            "relief": file_relief_panel(user=request.user, hfile=hfile),
            "can_convert": can_convert(user=request.user, hfile=hfile),
        },
    )


@login_required
def file_tier(request: HttpRequest, pk: int) -> HttpResponse:
    """A branch chair overrides the suggested tier with a reason, or returns the file to the suggestion."""
    hfile = file_get_for_user(user=request.user, pk=pk)
    if not file_permissions(user=request.user, hfile=hfile).can_override_tier:
        messages.error(request, _("Only a branch chair may override the tier, and only while the file is open."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    form = TierOverrideForm(data, initial={"tier": hfile.tier_id if hfile.tier_overridden else None})
    if data is not None and form.is_valid():
        try:
            file_override_tier(hfile=hfile, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The tier was saved."))
            return redirect(hfile)
    return render(
        request,
        "cases/hardshipfile_tier.html",
        {"file": hfile, "form": form, "tier_why": file_tier_explanation(hfile)},
    )


@login_required
def file_history_page(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    record_access(request, hfile, Action.VIEW)
    return render(
        request,
        "cases/hardshipfile_history.html",
        {
            "file": hfile,
            "history": file_history(hfile, full=True),
            "events": hfile.events.select_related("actor"),
        },
    )


@login_required
def file_transition_page(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in TRANSITIONS:
        raise Http404
    hfile = file_get_for_user(user=request.user, pk=pk)
    form_class = TRANSITION_FORMS.get(action, CommentForm)
    data = request.POST if request.method == "POST" else None
    form = form_class(data, comment_required=TRANSITIONS[action].comment_required)
    if action not in file_permissions(user=request.user, hfile=hfile).actions:
        messages.error(request, _("This step is not open to you for this file now."))
        return redirect(hfile)
    if data is not None and form.is_valid():
        try:
            file_transition(
                hfile=hfile, action=action, by=request.user, comment=form.cleaned_data["comment"], **form.details()
            )
        except TransitionNotAllowed as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done: %(step)s.") % {"step": FileAction(action).label})
        return redirect(hfile)
    return render(
        request,
        "cases/hardshipfile_transition.html",
        {
            "file": hfile,
            "form": form,
            "action": FileAction(action),
        },
    )


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    if not file_permissions(user=request.user, hfile=hfile).can_plan:
        messages.error(request, _("You may not change this file's plan."))
        return redirect(hfile)
    plan = plan_for_file(hfile)
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, initial=_plan_initial(plan))
    measures = MeasureFormSet(data, prefix="measures", initial=_plan_rows(plan, "measures", ("heading", "description")))
    helpers = HelperFormSet(
        data,
        prefix="helpers",
        initial=_plan_rows(plan, "helpers", ("user", "duty")),
        form_kwargs={"user": request.user},
    )
    if data is not None and form.is_valid() and measures.is_valid() and helpers.is_valid():
        try:
            plan_save(
                hfile=hfile, by=request.user, **form.cleaned_data, measures=measures.rows(), helpers=helpers.rows()
            )
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The assistance plan was saved."))
            return redirect(hfile)
    return render(
        request,
        "cases/assistanceplan_form.html",
        {
            "file": hfile,
            "form": form,
            "measures": measures,
            "helpers": helpers,
        },
    )


def _plan_initial(plan) -> dict:
    if plan is None:
        return {}
    return {
        "goal": plan.goal,
        "guarantees": plan.guarantees,
        "target_date": plan.target_date,
        "goals_met_on": plan.goals_met_on,
    }


def _plan_rows(plan, related: str, fields: tuple[str, ...]) -> list[dict]:
    if plan is None:
        return []
    return [{f: getattr(row, f) for f in fields} for row in getattr(plan, related).all()]
