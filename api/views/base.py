"""What every API view shares: numeric ids in URLs, the caller's user, and the JSON body as form data."""

from rest_framework import viewsets

NUMERIC = r"[0-9]{1,18}"


class ApiViewSet(viewsets.GenericViewSet):
    lookup_value_regex = NUMERIC

    @property
    def user(self):
        return self.request.user
