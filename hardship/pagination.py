"""Keyset ("seek") pagination: page 5,000 costs what page 1 costs, and no COUNT(*) is run.

The cursor is the primary key of the row at the page edge; its sort value is
read inside the same SQL statement, so no personal data travels in the URL.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q, QuerySet, Subquery
from django.http import HttpRequest


@dataclass
class KeysetPage:
    items: list
    next_cursor: int | None
    prev_cursor: int | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.prev_cursor)


def _pk(row) -> int:
    return row["pk"] if isinstance(row, dict) else row.pk


def _seek(qs: QuerySet, field: str, descending: bool, anchor_pk: int) -> QuerySet:
    """Rows strictly after the anchor row in (field, pk) order, descending or not."""
    anchor = Subquery(qs.model._default_manager.filter(pk=anchor_pk).values(field)[:1])
    if descending:
        return qs.filter(Q(**{f"{field}__lte": anchor}), Q(**{f"{field}__lt": anchor}) | Q(pk__lt=anchor_pk))
    return qs.filter(Q(**{f"{field}__gte": anchor}), Q(**{f"{field}__gt": anchor}) | Q(pk__gt=anchor_pk))


def keyset_page(
    qs: QuerySet, *, field: str, descending: bool, size: int, after: int | None = None, before: int | None = None
) -> KeysetPage:
    """One page of `qs` (instances or `.values()` rows with "pk") ordered by (field, pk).

    `after`/`before` are the pks at the edge of the page.
    """
    forward = before is None
    desc = descending if forward else not descending
    order = [F(field).desc(), F("pk").desc()] if desc else [F(field).asc(), F("pk").asc()]
    anchor = after if forward else before
    page_qs = _seek(qs, field, desc, anchor) if anchor else qs
    rows = list(page_qs.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    if not rows:
        return KeysetPage(items=[], next_cursor=None, prev_cursor=None)
    has_next = more if forward else True
    has_prev = bool(anchor) if forward else more
    return KeysetPage(
        items=rows,
        next_cursor=_pk(rows[-1]) if has_next else None,
        prev_cursor=_pk(rows[0]) if has_prev else None,
    )


def cursor_param(request: HttpRequest, name: str) -> int | None:
    """A page cursor from the query string (`after`/`before`); anything but digits is no cursor."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def keyset_page_for(request: HttpRequest, qs: QuerySet, *, field: str, descending: bool) -> KeysetPage:
    """The page of `qs` a list view shows: PAGE_SIZE rows at the request's `after`/`before` cursor."""
    return keyset_page(
        qs,
        field=field,
        descending=descending,
        size=settings.HARDSHIP["PAGE_SIZE"],
        after=cursor_param(request, "after"),
        before=cursor_param(request, "before"),
    )
