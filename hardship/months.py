"""Calendar months as their first day: the one copy the visits periods and the relief rules share."""

import datetime as dt


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def previous_month(month: dt.date) -> dt.date:
    return add_months(month, -1)
