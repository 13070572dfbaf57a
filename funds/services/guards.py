"""Who may request aid, who may receive an aid type, and the duplicate-aid guard across the levels of the tree.

Eligibility: filed households (and relieved ones in their transition period) only
unless the type says otherwise (temporary relief), and only the tiers the type
names (none named: every tier).

Duplicates: the same household may not receive the same type for the same
event or occasion twice, whether from the branch's fund and the federation's
fund or twice from one fund, unless the requester writes why. The occasion is
matched on a normalised key (case, spaces and punctuation ignored) so that
"2026 Flood" and "2026 flood." are one event. Hospital invoice numbers have
their own, stricter guard: once per federation, never overridden (`AidInvoice`).
"""

import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import HardshipFile
from cases.workflow import FileStatus
from org.scoping import scope_for

from ..models import AidRequest, AidType, FactsKind
from ..workflow import REQUEST_ROLES, AidStatus

_NOT_KEY = re.compile(r"[\W_]+")


def may_request(*, user, hfile: HardshipFile) -> bool:
    return bool(scope_for(user).roles_at(hfile.unit) & REQUEST_ROLES)


def require_requester(by, hfile: HardshipFile) -> None:
    if not may_request(user=by, hfile=hfile):
        raise PermissionDenied(_("Your role does not allow requesting aid in %(unit)s.") % {"unit": hfile.unit})


def check_eligible(hfile: HardshipFile, aid_type: AidType) -> None:
    """Refuse a household the type does not reach: by file status, then by tier."""
    # A relieved household keeps its policies through the transition period (Yunnan: five years).
    on_file = hfile.status == FileStatus.FILED or hfile.in_transition(timezone.localdate())
    if hfile.status == FileStatus.CLOSED or (aid_type.filed_only and not on_file):
        raise ValidationError(
            {
                "aid_type": _("%(type)s is only for filed households and relieved ones in their transition period.")
                % {"type": aid_type}
            }
        )
    tiers = list(aid_type.tiers.all())
    if tiers and hfile.tier_id not in {tier.pk for tier in tiers}:
        raise ValidationError(
            {
                "aid_type": _("%(type)s is only for households of the tiers %(tiers)s; this household is %(tier)s.")
                % {
                    "type": aid_type,
                    "tiers": ", ".join(str(tier) for tier in tiers),
                    "tier": hfile.tier or _("without a tier"),
                }
            }
        )


def occasion_key(text: str) -> str:
    """The occasion as compared: NFKC, case-folded, every run of spaces and punctuation dropped."""
    return _NOT_KEY.sub("", unicodedata.normalize("NFKC", text).casefold())[:200]


def occasion_of(request: AidRequest) -> str:
    """The occasion the requester named; for disaster relief the disaster itself when none was named."""
    if request.occasion:
        return request.occasion
    return request.event if request.aid_type.facts == FactsKind.DISASTER else ""


def duplicates_of(request: AidRequest) -> QuerySet:
    """The household's other live requests of the same type for the same occasion, at any level of the tree."""
    if not request.occasion_key:
        return AidRequest.objects.none()
    return (
        AidRequest.objects.filter(file_id=request.file_id, aid_type_id=request.aid_type_id)
        .filter(occasion_key=request.occasion_key)
        .exclude(pk=request.pk)
        .exclude(status=AidStatus.REJECTED)
        .select_related("fund__unit")
        .order_by("pk")
    )


def check_duplicates(request: AidRequest) -> None:
    """Refuse a second request for the same occasion unless the requester says why; the caller locks the file."""
    request.occasion_key = occasion_key(occasion_of(request))
    others = list(duplicates_of(request))
    if not others:
        request.duplicate_reason = ""  # no override happened: approvers are not told of one
    elif not request.duplicate_reason:
        listed = "; ".join(
            _("no. %(pk)s from %(fund)s of %(unit)s (%(status)s)")
            % {"pk": o.pk, "fund": o.fund, "unit": o.fund.unit, "status": o.get_status_display()}
            for o in others
        )
        raise ValidationError(
            {
                "duplicate_reason": _(
                    "This household already has %(type)s requested for this occasion: %(others)s. "
                    "Say why it needs aid again, or choose another occasion."
                )
                % {"type": request.aid_type, "others": listed}
            }
        )
