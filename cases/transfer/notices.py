"""What the transfer notifications say, in the reader's language."""

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from notices.kinds import register


def _unit(params: dict, side: str) -> str:
    english = (get_language() or "").startswith("en")
    return (params.get(f"{side}_en") or params[f"{side}_zh"]) if english else params[f"{side}_zh"]


def _names(params: dict) -> dict:
    return {"name": params["name"], "from": _unit(params, "from"), "to": _unit(params, "to")}


@register("cases.transfer_requested")
def _requested(params: dict) -> tuple[str, str]:
    title = _("Transfer to %(to)s: %(name)s") % _names(params)
    return title, _("%(from)s asks you to take this household over. Accept or refuse it.") % _names(params)


@register("cases.transfer_accepted")
def _accepted(params: dict) -> tuple[str, str]:
    return _("%(to)s accepted %(name)s") % _names(params), _("The household is now kept by %(to)s.") % _names(params)


@register("cases.transfer_refused")
def _refused(params: dict) -> tuple[str, str]:
    return _("%(to)s refused %(name)s") % _names(params), _("The household stays in %(from)s.") % _names(params)


@register("cases.transfer_handed_over")
def _handed_over(params: dict) -> tuple[str, str]:
    title = _("You now help %(name)s") % _names(params)
    return title, _("The household came from %(from)s; read the hand-over note on its transfer.") % _names(params)
