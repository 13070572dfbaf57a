"""Pages for signed-in users hold personal data: no browser or proxy may keep a copy."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        if signed_in and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)  # no-store, no-cache, must-revalidate, private, max-age=0
        return response
