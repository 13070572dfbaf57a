"""Record a read of a household's sensitive data, or a refusal, in the access log.

    from audit.access import Action, record_access
    record_access(request, hfile, Action.VIEW)

Pass the object that was read (or None with `object_type`/`object_id` for a refusal);
the household and the unit are taken from it when it has them. Never pass a value.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F
from django.utils import timezone

from .models import AccessLog, Action
from .request_id import current_request_id

__all__ = ["Action", "record_access", "record_access_each"]

FILE_LABEL = "cases.hardshipfile"


def record_access(
    request_or_user,
    obj=None,
    action: str = Action.VIEW,
    unit=None,
    *,
    object_type: str = "",
    object_id: int | None = None,
    file_id: int | None = None,
) -> AccessLog | None:
    """Append one row to the access log; an anonymous visitor reads nothing and is not logged."""
    # A Django request, a REST framework request (which wraps one) or a user.
    user = getattr(request_or_user, "user", request_or_user)
    if not getattr(user, "is_authenticated", False):
        return None
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, obj.pk
        file_id = file_id or (obj.pk if object_type == FILE_LABEL else getattr(obj, "file_id", None))
    unit_id = getattr(unit, "pk", unit) if unit is not None else getattr(obj, "unit_id", None)
    return AccessLog.objects.create(
        user=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        file_id=file_id,
        unit_id=unit_id,
        request_id=current_request_id(),
    )


def record_access_each(
    request_or_user, qs, action: str = Action.EXPORT, *, file_field: str = "pk", unit_field: str = "unit_id"
) -> int:
    """One row per object of `qs` (an export of a list), written by the database in one INSERT ... SELECT.

    An export of the file list is a read of every household on it: each gets its own row, so "who looked
    at this household" lists the export too. `file_field` and `unit_field` lead from a row of `qs` to its
    household and unit. Returns how many rows were written; an anonymous visitor writes none.
    """
    user = getattr(request_or_user, "user", request_or_user)
    if not getattr(user, "is_authenticated", False):
        return 0
    rows = qs.order_by().annotate(_object=F("pk"), _file=F(file_field), _unit=F(unit_field))
    try:
        select_sql, select_params = rows.values_list("_object", "_file", "_unit").query.sql_with_params()
    except EmptyResultSet:  # a queryset that cannot hold anything (`.none()`, `__in=[]`): nothing was read
        return 0
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(AccessLog._meta.get_field(name).column)
        for name in ("at", "user", "action", "object_type", "request_id", "object_id", "file_id", "unit")
    )
    # Only quoted names and the ORM's own compiled SQL are put into the text; every value is a parameter.
    picked = 'picked."_object", picked."_file", picked."_unit"'
    sql = f"INSERT INTO {quote(AccessLog._meta.db_table)} ({columns}) SELECT %s, %s, %s, %s, %s, {picked} FROM ({select_sql}) picked"  # noqa: E501, S608
    label = qs.model._meta.label_lower
    params = (timezone.now(), user.pk, action, label, current_request_id(), *select_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
