"""What every API view shares: numeric ids in URLs, the caller's user, and the JSON body as form data."""

from rest_framework import viewsets
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.access import Action, record_access

NUMERIC = r"[0-9]{1,18}"


class ApiViewSet(viewsets.GenericViewSet):
    lookup_value_regex = NUMERIC

    def initial(self, request, *args, **kwargs) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except (NotAuthenticated, AuthenticationFailed):
            # DRF throttles only after the permission check: count refused callers (a guessed token) too.
            self.check_throttles(request)
            raise

    @property
    def user(self):
        return self.request.user

    def log_read(self, obj, unit, **kwargs) -> None:
        """A read of a household's sensitive data through the API, in the access log (never the values)."""
        record_access(self.request.user, obj, Action.API, unit, **kwargs)

    def paged(self, queryset, serializer_class) -> Response:
        """One keyset page of `queryset` serialized with `serializer_class`."""
        page = self.paginate_queryset(queryset)
        context = self.get_serializer_context()
        return self.get_paginated_response(serializer_class(page, many=True, context=context).data)


class NoSuchEndpoint(APIView):
    """Any other address under /api/v1/ (an id that is not a number, say): a JSON 404 like every API refusal."""

    permission_classes = [AllowAny]
    schema = None

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        raise NotFound
