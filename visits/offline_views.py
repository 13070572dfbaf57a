"""The installable visits app: its manifest, its service worker, the offline form, and the phone's JSON endpoints.

The endpoints use the browser's session and CSRF token (the page reads a fresh token from the households
answer before it syncs). Anonymous calls get 401 in JSON, never a login page the app cannot read.
"""

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from audit.access import FILE_LABEL, Action, record_access
from audit.denials import note_refusal

from .forms import OfflineVisitForm, VisitForm
from .models import OfflineConflict
from .sync import NotInScope, OfflineRecord, conflict_resolve, offline_households_for_user, visit_sync_or_repeat

MAX_RECORDS = 50
ICONS = (("icons/visits-192.png", "192x192"), ("icons/visits-512.png", "512x512"))
# What the service worker keeps for a cadre without signal: the pages' styles and scripts and the icons.
SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "css/app.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "js/app.js",
    "js/offline.js",
    *(path for path, _size in ICONS),
)


def json_login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"error": _("Log in again to sync.")}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest, in the language asked for (the browser fetches it without the session)."""
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language()
    with translation.override(language):
        body = {
            "name": _("Hardship visits"),
            "short_name": _("Visits"),
            "description": _("Record visits to households, also without signal."),
            "lang": language,
            "start_url": reverse("visits:my_visits"),
            "scope": reverse("visits:my_visits"),
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#b3261e",
            "icons": [
                {"src": static(path), "sizes": size, "type": "image/png", "purpose": "any maskable"}
                for path, size in ICONS
            ],
        }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from /visits/ so that its scope covers "My visits" and the visit form."""
    shell = [static(path) for path in SHELL_STATIC]
    pages = {"board": reverse("visits:my_visits"), "form": reverse("visits:offline_form")}
    version = hashlib.sha256(json.dumps([shell, pages]).encode()).hexdigest()[:12]
    body = render_to_string(
        "visits/service_worker.js", {"shell": json.dumps(shell), "pages": json.dumps(pages), "version": version}
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def offline_form(request: HttpRequest) -> HttpResponse:
    """The visit form for any household the phone keeps; the page fills in the household and queues the visit."""
    form = VisitForm(user=request.user)
    return render(request, "visits/offline_form.html", {"form": form})


@require_GET
@json_login_required
def households(request: HttpRequest) -> JsonResponse:
    """The cadre's households from "My visits", and a fresh CSRF token for the sync that follows."""
    rows = offline_households_for_user(user=request.user, today=timezone.localdate())
    return JsonResponse({"user": request.user.pk, "csrf": get_token(request), "households": rows})


@require_POST
@json_login_required
def sync(request: HttpRequest) -> JsonResponse:
    """Store a batch of visits recorded offline; one result per record, in order."""
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": _("The request is not valid JSON.")}, status=400)
    records = payload.get("records") if isinstance(payload, dict) else None
    if not isinstance(records, list):
        return JsonResponse({"error": _("Send the visits as a list named records.")}, status=400)
    if len(records) > MAX_RECORDS:
        message = _("Send at most %(n)d visits at a time.") % {"n": MAX_RECORDS}
        return JsonResponse({"error": message}, status=400)
    return JsonResponse({"results": [_sync_one(request.user, raw) for raw in records]})


def _wrong_types(raw: dict) -> dict[str, list[str]]:
    """Fields whose JSON type no form field reads: only `visitors` is a list, everything else a scalar."""
    errors = {}
    for name, value in raw.items():
        scalar = value is None or isinstance(value, str | int | float | bool)
        ok = isinstance(value, list) and all(isinstance(v, int | str) for v in value) if name == "visitors" else scalar
        if not ok:
            errors[name] = [_("This value has the wrong type.")]
    return errors


UNSAVED = _lazy("This visit could not be saved: correct it and sync again.")


def _invalid(key: Any, message: str, errors: dict | None = None) -> dict[str, Any]:
    key = key if isinstance(key, str) else None
    return {"key": key, "status": "invalid", "message": str(message), "errors": errors or {}}


def _sync_one(user, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return _invalid(None, _("This record is not a visit."))
    key = raw.get("key")
    errors = _wrong_types(raw)
    if errors:
        return _invalid(key, UNSAVED, errors)
    form = OfflineVisitForm(raw, user=user)
    if not form.is_valid():
        return _invalid(key, UNSAVED, {name: list(errors) for name, errors in form.errors.items()})
    record = OfflineRecord(
        key=form.cleaned_data["key"],
        file_id=form.cleaned_data["file"],
        version=form.cleaned_data["version"],
        data=form.service_data(),
        visitors=list(form.cleaned_data["visitors"]),
        changes=form.changes(),
        base=form.base(),
    )
    try:
        synced = visit_sync_or_repeat(by=user, record=record)
    except NotInScope:
        return {"key": key, "status": "not_found", "message": _("This household is not in your units.")}
    except PermissionDenied as exc:
        file_id = record.file_id
        record_access(user, None, Action.FORBIDDEN, object_type=FILE_LABEL, object_id=file_id, file_id=file_id)
        return _invalid(key, str(exc))
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        return _invalid(key, " ".join(exc.messages), fields)
    return _result(key, synced.visit, repeat=synced.repeat)


def _result(key: str, visit, *, repeat: bool) -> dict[str, Any]:
    conflicts = [
        {"id": c.pk, "fact": c.fact, "label": c.get_fact_display(), "open": c.resolved_at is None}
        for c in visit.conflicts.all()
    ]
    return {
        "key": key,
        "status": "saved",
        "repeat": repeat,
        "visit": visit.get_absolute_url(),
        "conflicts": conflicts,
    }


@require_POST
@login_required
def conflict_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep what is on file or the visit's value; back to "My visits" with what happened."""
    qs = OfflineConflict.objects.visible_to(request.user).select_related("file")
    conflict = get_object_or_404(qs, pk=pk, raised_by=request.user)
    try:
        resolved = conflict_resolve(conflict=conflict, by=request.user, keep=request.POST.get("keep", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        note_refusal(request)
        messages.error(request, str(exc))
    else:
        if not resolved:
            messages.warning(request, _("The file changed again meanwhile: look at it again and choose."))
            return redirect(reverse("visits:my_visits") + "#conflicts")
        messages.success(request, _("Conflict resolved: %(fact)s of %(name)s.") % {
            "fact": conflict.get_fact_display(), "name": conflict.file.name
        })  # fmt: skip
    return redirect(reverse("visits:my_visits") + "#conflicts")
