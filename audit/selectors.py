"""Reads of the access log. The caller has already found the household through the user's scope."""

from django.db.models import QuerySet

from .models import AccessLog


def access_log_for_file(*, file_id: int) -> QuerySet:
    """Every read of, or refused attempt at, one household's data, newest first."""
    return AccessLog.objects.filter(file_id=file_id).select_related("user", "unit")
