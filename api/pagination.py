"""Keyset pagination for every API list: no COUNT(*), page 5,000 costs what page 1 costs.

`page_size` is clamped to `settings.API["MAX_PAGE_SIZE"]`; a bad `page_size` gives the default page,
a bad cursor a 404, never a server error.
"""

from django.conf import settings
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    ordering = "-pk"
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        self.max_page_size = settings.API["MAX_PAGE_SIZE"]
        self.page_size = min(settings.API["PAGE_SIZE"], self.max_page_size)
        return super().get_page_size(request)
