"""A request id for every request: taken from `X-Request-ID` when it looks like one, made otherwise.

It is returned in the response's `X-Request-ID`, written on every access-log row and
added to log records (`RequestIdFilter`), so one request can be followed from the
proxy's log to the app's log and the access log.
"""

import logging
import re
import uuid
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Anything else (too long, odd characters, a value chosen to forge log lines) is replaced.
ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

_current: ContextVar[str] = ContextVar("hardship_request_id", default="")


def current_request_id() -> str:
    return _current.get()


def _request_id_from(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if ACCEPTED.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = _request_id_from(request)
        token = _current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx/5xx after the middleware has returned, with the request on the record.
        request = getattr(record, "request", None)
        record.request_id = current_request_id() or getattr(request, "request_id", "") or "-"
        return True
