"""Record a read of a household's sensitive data, or a refusal, in the access log.

    from audit.access import Action, record_access
    record_access(request, hfile, Action.VIEW)

Pass the object that was read (or None with `object_type`/`object_id` for a refusal);
the household and the unit are taken from it when it has them. Never pass a value.
"""

from .models import AccessLog, Action
from .request_id import current_request_id

__all__ = ["Action", "record_access"]

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
