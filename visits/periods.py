"""Calendar months and visiting periods: a period of N months is aligned on January of year 0."""

import datetime as dt
import re

from hardship.months import add_months, month_start

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def period_bounds(month: dt.date, every: int) -> tuple[dt.date, dt.date]:
    """[start, end) of the `every`-month period holding `month`: quarters start in Jan, Apr, Jul, Oct."""
    index = month.year * 12 + month.month - 1
    first = index - index % every
    start = dt.date(first // 12, first % 12 + 1, 1)
    return start, add_months(start, every)


def parse_month(value: str | None, default: dt.date) -> dt.date:
    """'2026-03' as the first of March 2026; anything else gives `default`'s month."""
    match = MONTH.match(value or "")
    if match and 1 <= int(match[2]) <= 12 and 2000 <= int(match[1]) <= 2100:
        return dt.date(int(match[1]), int(match[2]), 1)
    return month_start(default)
