"""Forms for moving money: validation and layout only; the services do the work."""

import re
import uuid
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DATE
from cases.models import Member, Schooling
from hardship.forms import BoundedModelChoiceField
from hardship.uploads import ACCEPT

from .models import AidType, Fund, Source, SpecialFactor, TransactionKind
from .quality import MISSING_EVIDENCE
from .services import ALLOCATION_LIMIT, ZERO, AidData
from .workflow import AidStatus

# Budgets are set for the next year and corrected for the last few; older years are history.
BUDGET_YEARS_BACK = 5


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class MoneyForm(forms.Form):
    """An amount, a memo, and the key that makes a double submission one transaction."""

    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=Decimal("0.01"), max_value=ALLOCATION_LIMIT, max_digits=14, decimal_places=2
    )
    memo = forms.CharField(label=_("Memo"), max_length=500, required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update(inputmode="decimal", autocomplete="off")
        self.initial.setdefault("key", uuid.uuid4().hex)
        self.helper = _helper()


class AllocateForm(MoneyForm):
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    field_order = ["source", "amount", "memo", "key"]


class TransferForm(MoneyForm):
    target = forms.TypedChoiceField(label=_("To fund"), coerce=int)
    field_order = ["target", "amount", "memo", "key"]

    def __init__(self, *args: Any, targets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets


class BudgetForm(forms.Form):
    """A fund's budget for one fiscal year: the recent years and the next one."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    budget = forms.DecimalField(
        label=_("Budget (yuan)"), min_value=Decimal("0.01"), max_value=ALLOCATION_LIMIT, max_digits=14, decimal_places=2
    )

    def __init__(self, *args: Any, this_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year + 1, this_year - BUDGET_YEARS_BACK - 1, -1)]
        self.fields["budget"].widget.attrs.update(inputmode="decimal", autocomplete="off")
        self.helper = _helper()


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the transaction is reversed."))
        return reason


def aid_list_filters(params) -> dict:
    """The aid list's filters from the query string, anything unknown dropped: a status, a unit (scoped by the
    selector), a data-quality check."""
    status, quality, unit = params.get("status", ""), params.get("quality", ""), params.get("unit", "")
    return {
        "status": status if status in AidStatus.values else "",
        "unit": int(unit) if unit.isdigit() else None,
        "quality": quality if quality == MISSING_EVIDENCE else "",
    }


class StatementFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *TransactionKind.choices])
    # Money in or out leaves out the moves between the fund's own accounts (reserving and releasing), as the
    # annual summary's figures do: the summary links here.
    flow = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("All movements")), ("in", _("Money in")), ("out", _("Money out"))],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class AidRequestForm(forms.Form):
    """A request's type, fund, amount and facts; the service checks the facts the type needs."""

    aid_type = BoundedModelChoiceField(label=_("Aid type"), queryset=AidType.objects.filter(is_active=True))
    fund = BoundedModelChoiceField(label=_("Pay from fund"), queryset=Fund.objects.none())
    requested_amount = forms.DecimalField(label=_("Amount requested (yuan)"), max_digits=14, decimal_places=2)
    topup_fund = BoundedModelChoiceField(
        label=_("Top-up fund"),
        required=False,
        queryset=Fund.objects.none(),
        help_text=_("Only for aid types whose rule has a top-up (e.g. the warm-fund sub-fund on medical aid)."),
    )
    topup_amount = forms.DecimalField(label=_("Top-up (yuan)"), required=False, max_digits=14, decimal_places=2)
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when asking for more than the suggested amount."),
    )
    total_cost = forms.DecimalField(label=_("Total medical cost"), required=False, max_digits=14, decimal_places=2)
    insurance = forms.DecimalField(label=_("Insurance reimbursement"), required=False, max_digits=14, decimal_places=2)
    other_aid = forms.DecimalField(label=_("Other aid received"), required=False, max_digits=14, decimal_places=2)
    invoice_numbers = forms.CharField(
        label=_("Hospital invoice numbers"),
        required=False,
        max_length=1200,
        help_text=_("One per line or separated by commas."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    special_factor = forms.ChoiceField(
        label=_("Special factor"), required=False, choices=[("", _("None")), *SpecialFactor.choices]
    )
    child = BoundedModelChoiceField(label=_("Child"), required=False, queryset=Member.objects.none())
    stage = forms.ChoiceField(label=_("School stage"), required=False, choices=[("", "—"), *Schooling.choices])
    event = forms.CharField(label=_("Disaster or accident"), required=False, max_length=200)
    occasion = forms.CharField(
        label=_("Event or occasion"),
        required=False,
        max_length=200,
        help_text=_(
            "For example the flood or the illness episode. Aid of one type for one occasion is given once, "
            "whichever level of the union pays it."
        ),
    )
    duplicate_reason = forms.CharField(
        label=_("Why aid is asked again for this occasion"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the household already has a request of this type for the same occasion."),
    )

    def __init__(self, *args: Any, funds, members, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("fund", "topup_fund"):
            self.fields[name].queryset = funds
            self.fields[name].label_from_instance = lambda f: f"{f.unit} · {f.name}"
        self.fields["child"].queryset = members
        for name in ("requested_amount", "topup_amount", "total_cost", "insurance", "other_aid"):
            self.fields[name].widget.attrs.update(inputmode="decimal", autocomplete="off")
        self.helper = _helper()
        self.helper.layout = Layout(
            Fieldset(_("Request"), "aid_type", "fund", "requested_amount", "justification"),
            Fieldset(_("Top-up"), "topup_fund", "topup_amount"),
            Fieldset(_("Occasion"), "occasion", "duplicate_reason"),
            Fieldset(_("Medical facts"), "total_cost", "insurance", "other_aid", "invoice_numbers", "special_factor"),
            Fieldset(_("Education facts"), "child", "stage"),
            Fieldset(_("Disaster facts"), "event"),
        )

    def to_data(self) -> AidData:
        data = self.cleaned_data
        numbers = [n for n in re.split(r"[\s,，;；]+", data.get("invoice_numbers") or "") if n]
        return AidData(
            aid_type=data["aid_type"],
            fund=data["fund"],
            requested_amount=data["requested_amount"],
            justification=data.get("justification") or "",
            total_cost=data.get("total_cost") or ZERO,
            insurance=data.get("insurance") or ZERO,
            other_aid=data.get("other_aid") or ZERO,
            special_factor=data.get("special_factor") or "",
            invoice_numbers=numbers,
            child=data.get("child"),
            stage=data.get("stage") or "",
            event=data.get("event") or "",
            occasion=data.get("occasion") or "",
            duplicate_reason=data.get("duplicate_reason") or "",
            topup_fund=data.get("topup_fund"),
            topup_amount=data.get("topup_amount") or ZERO,
        )

    @classmethod
    def initial_for(cls, request) -> dict[str, Any]:
        fields = ("aid_type", "fund", "requested_amount", "justification", "total_cost", "insurance", "other_aid",
                  "special_factor", "child", "stage", "event", "occasion", "duplicate_reason", "topup_fund",
                  "topup_amount")  # fmt: skip
        initial = {name: getattr(request, name) for name in fields}
        initial["invoice_numbers"] = "\n".join(i.number for i in request.invoices.all())
        return initial


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PayForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("key", uuid.uuid4().hex)


class EvidenceForm(forms.Form):
    """One document for one checklist item: a file, or the original seen on paper (`on_paper`)."""

    item = forms.TypedChoiceField(label=_("Document"), coerce=int)
    dated = forms.DateField(label=_("Date of the document"), widget=DATE)
    file = forms.FileField(label=_("Copy (photo or PDF)"), required=False, widget=forms.ClearableFileInput(
        attrs={"accept": ACCEPT}))  # fmt: skip
    on_paper = forms.BooleanField(label=_("Original seen on paper"), required=False)

    def __init__(self, *args: Any, items, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item.pk, str(item)) for item in items]
