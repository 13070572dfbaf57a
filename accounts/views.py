import time
from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from hardship.pagination import keyset_page_for

from .devices import device_label
from .forms import CodeForm
from .sessions import sessions_end, sessions_live
from .twofactor import (
    has_two_factor,
    may_use_two_factor,
    pending_device,
    qr_svg,
    two_factor_confirm,
    two_factor_disable,
    two_factor_start,
    two_factor_verify,
)


def locked_out(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """What django-axes answers a locked-out username and address: the login page with the reason, 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    current = request.session.session_key
    # Most recently seen first, so this session leads the first page.
    page = keyset_page_for(request, sessions_live(user=request.user), field="last_seen", descending=True)
    rows = [
        {"row": row, "device": device_label(row.user_agent), "current": row.session_id == current} for row in page.items
    ]
    limits = {"idle": settings.HARDSHIP["SESSION_IDLE_MINUTES"], "hours": settings.HARDSHIP["SESSION_MAX_HOURS"]}
    context = {
        "rows": rows,
        "page": page,
        "others": len(rows) > 1 or page.has_other_pages,
        "limits": limits,
        "two_factor": may_use_two_factor(request.user),
    }
    return render(request, "accounts/session_list.html", context)


@require_POST
@login_required
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End one of the user's other sessions (the current one ends with "Log out")."""
    if sessions_end(user=request.user, keep=request.session.session_key, only=pk):
        messages.success(request, _("The session was ended."))
    else:
        messages.error(request, _("That session has already ended."))
    return redirect("accounts:session_list")


@require_POST
@login_required
def session_end_others(request: HttpRequest) -> HttpResponse:
    ended = sessions_end(user=request.user, keep=request.session.session_key)
    messages.success(
        request, ngettext("%(n)d other session was ended.", "%(n)d other sessions were ended.", ended) % {"n": ended}
    )
    return redirect("accounts:session_list")


# --- two-factor login ---------------------------------------------------------------------------

PENDING = "hardship_two_factor_pending"
PENDING_SECONDS = 300
PENDING_TRIES = 5


class LoginView(auth_views.LoginView):
    """Django's login; for a user with two-factor login on, the password only leads to the code step."""

    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if not has_two_factor(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        pending = {"user": user.pk, "backend": user.backend, "next": self.get_success_url()}
        self.request.session[PENDING] = {**pending, "at": int(time.time()), "tries": 0}
        return redirect("login_code")


def _pending_user(request: HttpRequest):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS or pending["tries"] >= PENDING_TRIES:
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user else (None, None)


def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: a current code from the authenticator app, or a recovery code."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Please log in with your password first (the code step lasts 5 minutes)."))
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor_verify(user=user, token=form.cleaned_data["code"])
        if device is not None:
            del request.session[PENDING]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"])
        pending["tries"] += 1
        request.session.modified = True
        form.add_error("code", _("That code is not right."))
    return render(request, "registration/login_code.html", {"form": form})


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Turn two-factor login on (scan, confirm, keep the recovery codes) or off."""
    if not may_use_two_factor(request.user):
        raise PermissionDenied
    action, form, codes = request.POST.get("action"), CodeForm(request.POST or None), None
    try:
        if action == "start":
            two_factor_start(user=request.user)
            form = CodeForm()
        elif action in ("confirm", "disable") and form.is_valid():
            if action == "confirm":
                codes = two_factor_confirm(user=request.user, token=form.cleaned_data["code"])
                messages.success(request, _("Two-factor login is on."))
            else:
                two_factor_disable(user=request.user, token=form.cleaned_data["code"])
                messages.success(request, _("Two-factor login is off."))
            form = CodeForm()
    except ValidationError as exc:
        form.add_error(None, exc)
    device = pending_device(request.user)
    context = {
        "enabled": has_two_factor(request.user),
        "device": device,
        "qr": qr_svg(device) if device else "",
        "secret": b32encode(device.bin_key).decode() if device else "",
        "codes": codes,
        "form": form,
    }
    return render(request, "accounts/two_factor.html", context)
