"""What report notifications say, in the reader's language."""

from django.utils.translation import gettext as _

from notices.kinds import register


@register("reports.done")
def _done(params: dict) -> tuple[str, str]:
    return _("Report ready: %(title)s") % {"title": params["title"]}, _("Open it to download the PDF.")


@register("reports.failed")
def _failed(params: dict) -> tuple[str, str]:
    return _("Report failed: %(title)s") % {"title": params["title"]}, params.get("error", "")
