from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cases.selectors import unit_choices_for_create
from org.scoping import scope_for

from .selectors import dashboard_for_user


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """One page per role over the user's scope: caseload, visits, approvals, funds and data quality."""
    board = dashboard_for_user(user=request.user)
    context = {
        "board": board,
        "counts": board.figures,
        "can_create": bool(unit_choices_for_create(user=request.user)),
        "scope": scope_for(request.user),
    }
    return render(request, "dashboard/dashboard.html", context)
