"""Per-user and anonymous request rates, read from `settings.API` on each request (not frozen at import)."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str:
        return settings.API["THROTTLE_ANON"]


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str:
        return settings.API["THROTTLE_USER"]
