"""Forms for moving money: validation and layout only; the services do the work."""

import uuid
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DATE

from .models import Source, TransactionKind
from .services import ALLOCATION_LIMIT


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


class StatementFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *TransactionKind.choices])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data
