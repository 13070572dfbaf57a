"""Thin views of the annual review: my reviews, overdue reviews per unit, and the review form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hardship.forms import report_service_error
from hardship.pagination import keyset_page_for
from org.scoping import scope_for

from .forms import CardFiguresForm, MemberFormSet, ReviewForm
from .review import review_record
from .review_selectors import (
    can_review,
    overdue_by_unit_for_user,
    overdue_files_for_user,
    reviews_due_for_user,
    reviews_for_file,
)
from .selectors import file_get_for_user


def _page(request: HttpRequest, rows):
    """One page of value rows by due date, each named its unit from the cached scope (no query)."""
    page = keyset_page_for(request, rows, field="review_due_on", descending=False)
    english = (get_language() or "").startswith("en")
    names = {pk: (en or zh) if english else zh for pk, _path, zh, en in scope_for(request.user).units}
    page.items = [{**row, "unit": names.get(row["unit_id"], "")} for row in page.items]
    return page


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The review tasks of the households the user helps (or all in their units), soonest due first."""
    mine = request.GET.get("all") != "1"
    rows = reviews_due_for_user(user=request.user, today=timezone.localdate(), mine=mine)
    page = _page(request, rows)
    return render(request, "cases/review_list.html", {"page": page, "mine": mine, "count": rows.count()})


@login_required
def review_overdue(request: HttpRequest) -> HttpResponse:
    """Overdue reviews per unit in scope (with the units below), and the households of one unit."""
    today = timezone.localdate()
    raw_unit = request.GET.get("unit", "")
    unit_pk = int(raw_unit) if raw_unit.isdigit() else None
    page = _page(request, overdue_files_for_user(user=request.user, today=today, unit_pk=unit_pk))
    context = {
        "page": page,
        "rows": overdue_by_unit_for_user(user=request.user, today=today),
        "unit_pk": unit_pk,
    }
    return render(request, "cases/review_overdue.html", context)


@login_required
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)
    if not can_review(user=request.user, hfile=hfile):
        messages.error(request, _("Only a filed household is reviewed, by the cadres and chairs of its unit."))
        return redirect(hfile)
    data = request.POST if request.method == "POST" else None
    card = CardFiguresForm(data, instance=hfile, prefix="card")
    members = MemberFormSet(data, instance=hfile, prefix="members")
    form = ReviewForm(data)
    if data is not None and all([card.is_valid(), members.is_valid(), form.is_valid()]):
        try:
            review_record(
                hfile=hfile,
                by=request.user,
                data=card.service_data(),
                causes=list(card.cleaned_data["causes"]),
                primary_cause=card.cleaned_data["primary_cause"],
                members=members.service_rows(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            on_card = hasattr(exc, "error_dict") and set(exc.error_dict) & set(card.fields)
            report_service_error(card if on_card else form, exc)
        else:
            messages.success(request, _("The annual review was recorded."))
            return redirect(hfile)
    context = {"file": hfile, "card": card, "members": members, "form": form, "reviews": reviews_for_file(hfile)}
    return render(request, "cases/review_form.html", context)
