"""Every refusal as a JSON error: 400 with field errors in the caller's language, 403, 404; never a 500.

The services raise Django's `ValidationError`, `PermissionDenied` and the workflows' own refusals; the
pages turn them into form errors and messages, the API into these responses.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from cases.services import TransitionNotAllowed

NON_FIELD = "non_field_errors"


def validation_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as DRF field errors (`__all__` becomes `non_field_errors`)."""
    if hasattr(exc, "error_dict"):
        return {(NON_FIELD if name == "__all__" else name): msgs for name, msgs in exc.message_dict.items()}
    return {NON_FIELD: exc.messages}


def form_errors(form) -> dict[str, list[str]]:
    return {(NON_FIELD if name == "__all__" else name): list(msgs) for name, msgs in form.errors.items()}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, TransitionNotAllowed):
        exc = exceptions.ValidationError({NON_FIELD: [exc.message]})
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
