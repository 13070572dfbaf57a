"""Thin views of the relief steps and the temporary-file conversion: selector -> form -> service -> redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hardship.forms import report_service_error

from .forms import TransitionForm
from .relief import (
    file_relief_panel,
    proposable_bases,
    relief_confirm,
    relief_propose,
    relief_reject,
)
from .relief_forms import CONFIRM, ReliefDecideForm, ReliefProposeForm
from .selectors import file_get_for_user
from .temporary import can_convert, file_convert_to_formal


def _page(request: HttpRequest, hfile, form, title: str, panel=None) -> HttpResponse:
    return render(request, "cases/relief_form.html", {"file": hfile, "form": form, "title": title, "relief": panel})


@login_required
def relief_propose_page(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    panel = file_relief_panel(user=request.user, hfile=hfile)
    if not panel.can_propose:
        messages.error(request, _("Relief cannot be proposed for this household now: see the relief panel for why."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    form = ReliefProposeForm(data, bases=proposable_bases(panel.assessment))
    if data is not None and form.is_valid():
        try:
            relief_propose(hfile=hfile, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("Relief proposed; a branch chair will confirm or reject it."))
            return redirect(hfile)
    return _page(request, hfile, form, _("Propose relief"), panel)


@login_required
def relief_decide_page(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    panel = file_relief_panel(user=request.user, hfile=hfile)
    if not panel.can_decide:
        messages.error(request, _("Only a branch chair decides on a waiting relief proposal."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    form = ReliefDecideForm(data)
    if data is not None and form.is_valid():
        decide = relief_confirm if form.cleaned_data["decision"] == CONFIRM else relief_reject
        try:
            decide(hfile=hfile, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            confirmed = form.cleaned_data["decision"] == CONFIRM
            messages.success(request, _("The household is relieved.") if confirmed else _("The proposal is rejected."))
            return redirect(hfile)
    return _page(request, hfile, form, _("Decide on relief"), panel)


@login_required
def file_convert_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A temporary file becomes a formal one, keeping everything entered."""
    hfile = file_get_for_user(user=request.user, pk=pk)
    if not can_convert(user=request.user, hfile=hfile):
        messages.error(request, _("Only an open temporary file can be converted, by a cadre or chair of its unit."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    form = TransitionForm(data)
    if data is not None and form.is_valid():
        try:
            file_convert_to_formal(hfile=hfile, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            report_service_error(form, exc)
        else:
            messages.success(request, _("The file is now a formal file; take it through identification."))
            return redirect(hfile)
    return _page(request, hfile, form, _("Convert to a formal file"))
