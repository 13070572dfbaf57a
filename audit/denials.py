"""A refusal by role (403) goes to the access log, as a refusal by scope (404) does in `org.scoping`.

Out of scope is a 404 and is logged where the scoped queryset refuses the object. A 403 means the
object is in the user's scope but their role may not do that with it (a cadre deciding aid, a chair
opening the access log): the view raises `PermissionDenied`, Django or the REST framework answers
403 (or a page that shows the refusal as a message calls `note_refusal`), and this middleware writes
one `FORBIDDEN` row naming the object the URL points at, its household
and its unit, so "who looked at a household" shows attempts as well as reads. It costs nothing on
any other answer, and never a value of the object: only its type and id.
"""

from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from org.scoping import trace_columns

from .access import FILE_LABEL, Action, record_access

# Which object a URL's `pk` names, by URL name; a name ending in "*" covers every name it begins.
# The pages under files/<pk>/ name a household; the rest name their own model.
MODEL_BY_URL = {
    "cases:file_*": FILE_LABEL,
    "cases:plan_edit": FILE_LABEL,
    "cases:objection_create": FILE_LABEL,
    "cases:review_create": FILE_LABEL,
    "cases:relief_*": FILE_LABEL,
    "cases:transfer_create": FILE_LABEL,
    "cases:transfer_*": "cases.filetransfer",
    "cases:notice_detail": "cases.publicnotice",
    "cases:objection_decide": "cases.objection",
    "visits:file_visits": FILE_LABEL,
    "visits:visit_create": FILE_LABEL,
    "visits:visit_detail": "visits.visit",
    "visits:attachment": "visits.visitattachment",
    "visits:flag_handle": "visits.monitoringflag",
    "visits:offline_conflict_resolve": "visits.offlineconflict",
    "sheets:export_visits": FILE_LABEL,
    "sheets:export_statement": "funds.fund",
    "sheets:import_*": "sheets.importjob",
    "funds:aid_document": "funds.aiddocument",
    "funds:aid_*": "funds.aidrequest",
    "funds:*": "funds.fund",
    "reports:report_*": "reports.report",
    "api:file-*": FILE_LABEL,
    "api:member-*": "cases.member",
    "api:visit-*": "visits.visit",
    "api:attachment-*": "visits.visitattachment",
    "api:aid-request-*": "funds.aidrequest",
    "api:report-*": "reports.report",
    "api:unit-*": "org.unit",
}


def _label_for(view_name: str) -> str | None:
    if view_name in MODEL_BY_URL:
        return MODEL_BY_URL[view_name]
    prefixes = (key[:-1] for key in MODEL_BY_URL if key.endswith("*") and view_name.startswith(key[:-1]))
    longest = max(prefixes, key=len, default=None)
    return MODEL_BY_URL[longest + "*"] if longest is not None else None


def _household_and_unit(model, pk: int) -> tuple[int | None, int | None]:
    """The household and unit of row `pk` of `model` (None where it has none or does not exist)."""
    household, unit = trace_columns(model)  # the same paths the scoped querysets use
    columns = [c for c in (household, unit) if c]
    if not columns:
        return None, None
    row = model._base_manager.filter(pk=pk).values_list(*columns).first()
    if row is None:
        return None, None
    values = dict(zip(columns, row, strict=True))
    return values.get(household), values.get(unit)


def record_refusal(request: HttpRequest) -> None:
    """One FORBIDDEN row for the 403 just given to `request`'s signed-in user."""
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    pk = match.kwargs.get("pk") if match else None
    object_id = int(pk) if isinstance(pk, int) or (isinstance(pk, str) and pk.isdigit()) else None
    label = _label_for(view_name)
    file_id = unit_id = None
    if label and object_id is not None:
        file_id, unit_id = _household_and_unit(apps.get_model(label), object_id)
    record_access(
        request,
        None,
        Action.FORBIDDEN,
        unit_id,
        # The URL's name when it names no object (a list, a form for a new one): what was refused.
        object_type=(label if object_id is not None and label else view_name)[:100],
        object_id=object_id,
        file_id=file_id,
    )


def note_refusal(request: HttpRequest, exc: Exception | None = None) -> None:
    """Mark `request` as refused by role when a page answers a `PermissionDenied` with a message, not a 403.

    Pass the exception a view caught (with ValidationError, say): only a PermissionDenied counts.
    """
    if exc is None or isinstance(exc, PermissionDenied):
        request.refused_by_role = True


class DeniedAccessMiddleware:
    """Logs every 403 answered to a signed-in user (pages and API alike) and every refusal a page noted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403 or getattr(request, "refused_by_role", False):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                record_refusal(request)
        return response
