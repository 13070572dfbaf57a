"""Who looked at a household: the access log of one file, for federation staff."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.selectors import access_log_for_file
from hardship.pagination import keyset_page_for

from .selectors import file_get_for_user, file_permissions


@login_required
def file_access_log(request: HttpRequest, pk: int) -> HttpResponse:
    hfile = file_get_for_user(user=request.user, pk=pk)  # 404 when out of scope
    if not file_permissions(user=request.user, hfile=hfile).can_see_access_log:
        raise PermissionDenied
    page = keyset_page_for(request, access_log_for_file(file_id=hfile.pk), field="pk", descending=True)
    return render(request, "cases/hardshipfile_access.html", {"file": hfile, "page": page})
