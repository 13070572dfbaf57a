"""Thin views over the signed-in user's own notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hardship.pagination import keyset_page_for

from .forms import PreferenceForm
from .selectors import notification_get_for_user, notifications_for_user, notifications_rendered, preference_for
from .services import notification_mark_read, notifications_mark_all_read, preference_save


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page_for(request, notifications_for_user(user=request.user), field="created_at", descending=True)
    page.items = notifications_rendered(user=request.user, items=page.items)
    return render(request, "notices/notification_list.html", {"page": page})


@require_POST
@login_required
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notification_get_for_user(user=request.user, pk=pk)
    notification_mark_read(notification=notification, by=request.user)
    if request.POST.get("open") and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notices:notification_list")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = notifications_mark_all_read(by=request.user)
    if changed:
        messages.success(request, _("All notifications marked as read."))
    return redirect("notices:notification_list")


@login_required
def preference_edit(request: HttpRequest) -> HttpResponse:
    """The user's own settings: the language of notifications and e-mails, and whether to get e-mails."""
    language, email = preference_for(user_id=request.user.pk)
    form = PreferenceForm(request.POST or None, initial={"language": language, "email": email})
    if form.is_bound and form.is_valid():
        preference_save(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your settings were saved."))
        return redirect("notices:preferences")
    return render(request, "notices/preference_form.html", {"form": form})
