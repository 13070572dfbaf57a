"""The public notice card on a hardship file's page."""

from django import template
from django.utils import timezone

from ..models import HardshipFile
from ..notice import latest_entry, notice_blocker, policy_for
from ..notice_selectors import file_notice_for_user
from ..workflow import FileStatus

register = template.Library()


@register.inclusion_tag("cases/includes/notice_card.html", takes_context=True)
def notice_card(context, hfile: HardshipFile) -> dict:
    """While a household waits to be filed: its notices, objections and what still blocks filing.

    Other files cost no query here: their notice steps and objections are in the file's history.
    """
    if hfile.status != FileStatus.INVESTIGATED:
        return {"file": hfile, "notice": None}
    notice = file_notice_for_user(user=context["request"].user, hfile=hfile)
    required = policy_for(hfile.federation_id).notice_required
    blocker = notice_blocker(latest_entry(hfile), required=required, today=timezone.localdate())
    return {"file": hfile, "notice": notice, "blocker": blocker}
