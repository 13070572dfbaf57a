"""What the visits reminders say in the notification list, in the reader's language."""

from django.utils.translation import get_language, gettext, ngettext

from notices.kinds import register


def _names(params: dict) -> str:
    names = params.get("names", [])
    listed = (", " if (get_language() or "").startswith("en") else "、").join(names)
    more = params["total"] - len(names)
    if more > 0:
        listed += " " + ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more}
    return listed


def holiday_name(params: dict) -> str:
    english = (get_language() or "").startswith("en")
    return (params.get("holiday_en") or params["holiday_zh"]) if english else params["holiday_zh"]


@register("visits.monthly")
def _monthly(params: dict) -> tuple[str, str]:
    title = ngettext(
        "%(count)d household to visit in %(month)s",
        "%(count)d households to visit in %(month)s",
        params["total"],
    ) % {"count": params["total"], "month": params["month"]}
    body = _names(params)
    if params.get("overdue"):
        body += "\n" + gettext("Overdue from last period: %(n)d.") % {"n": params["overdue"]}
    return title, body


@register("visits.holiday")
def _holiday(params: dict) -> tuple[str, str]:
    title = ngettext(
        "%(holiday)s: %(count)d household to visit",
        "%(holiday)s: %(count)d households to visit",
        params["total"],
    ) % {"holiday": holiday_name(params), "count": params["total"]}
    window = gettext("Holiday window: %(start)s to %(end)s.") % {"start": params["starts_on"], "end": params["ends_on"]}
    return title, window + "\n" + _names(params)


@register("visits.escalation")
def _escalation(params: dict) -> tuple[str, str]:
    title = ngettext(
        "%(count)d household overdue for a visit in your branch (%(month)s)",
        "%(count)d households overdue for a visit in your branch (%(month)s)",
        params["total"],
    ) % {"count": params["total"], "month": params["month"]}
    return title, _names(params)


@register("visits.review")
def _review(params: dict) -> tuple[str, str]:
    title = ngettext(
        "%(count)d annual review due",
        "%(count)d annual reviews due",
        params["total"],
    ) % {"count": params["total"]}
    body = _names(params)
    if params.get("overdue"):
        body += "\n" + gettext("Overdue: %(n)d.") % {"n": params["overdue"]}
    return title, body
