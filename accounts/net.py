"""The client's address, as the lock-out and the session list see it."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind `TRUSTED_PROXIES` proxies the address the outermost of them saw.

    Each trusted proxy appends the address it was reached from to X-Forwarded-For, so the
    n-th entry from the right is the last one a trusted machine wrote; anything left of it
    is whatever the client chose to send.
    """
    hops = settings.HARDSHIP["TRUSTED_PROXIES"]
    if hops:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops][:45]
    return request.META.get("REMOTE_ADDR", "")[:45]
