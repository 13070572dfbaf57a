"""The top-up: a second fund stacked on a request's amount, up to the rule's combined cap.

The request names the top-up fund (of the kind its type's rule names) and the
top-up amount. The amount and the top-up together never exceed the combined
cap: no justification lifts it. A top-up above the suggested one needs the same
written justification as an amount above the suggestion. Approval reserves,
payment disburses and reversal reverses each part on its own fund, inside the
one database transaction of the aid service, with both balance rows locked
first in fund-id order (funds.services.ledger.funds_lock).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..calculator import Derivation
from ..models import AidRequest


def check_topup(request: AidRequest, derivation: Derivation) -> None:
    """Refuse a top-up the rule does not allow, from the wrong fund, or past the combined cap."""
    if not request.topup_amount:
        request.topup_fund = None
        return
    if derivation.combined_cap is None:
        raise ValidationError({"topup_amount": _("%(type)s has no top-up.") % {"type": request.aid_type}})
    fund = request.topup_fund
    if fund is None:
        raise ValidationError({"topup_fund": _("Choose the fund that pays the top-up.")})
    if fund.pk == request.fund_id or fund.kind_id != derivation.topup_kind_id:
        raise ValidationError(
            {"topup_fund": _("The top-up is paid from a second fund, of the kind %(kind)s.")
             % {"kind": derivation.topup_label}}
        )  # fmt: skip
    total = request.requested_amount + request.topup_amount
    if total > derivation.combined_cap:
        left = max(derivation.combined_cap - request.requested_amount, 0)
        raise ValidationError(
            {"topup_amount": _(
                "%(amount)s + %(topup)s = %(total)s yuan is more than the combined cap of %(cap)s yuan: "
                "the top-up can be at most %(left)s yuan."
            ) % {"amount": request.requested_amount, "topup": request.topup_amount, "total": total,
                 "cap": derivation.combined_cap, "left": left}}
        )  # fmt: skip
    if request.topup_amount > derivation.topup and not request.justification:
        raise ValidationError(
            {"justification": _("The top-up of %(topup)s yuan is more than the suggested %(suggested)s yuan: say why.")
             % {"topup": request.topup_amount, "suggested": derivation.topup}}
        )  # fmt: skip
