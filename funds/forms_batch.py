"""Forms for holiday condolence batches: validation and layout only; the batch services do the work."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import DATE
from cases.models import Tier
from hardship.forms import BoundedModelChoiceField
from hardship.money import ABSURD_AMOUNT
from visits.models import Holiday

from .services import TierGift

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0"), "max_value": ABSURD_AMOUNT}


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class BatchForm(forms.Form):
    """The unit, holiday, fund and name, then money and goods for each active tier."""

    unit = forms.TypedChoiceField(label=_("Households of"), coerce=int)
    holiday = BoundedModelChoiceField(label=_("Holiday"), queryset=Holiday.objects.none())
    fund = forms.TypedChoiceField(label=_("Pay from fund"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("For example: 2027 Spring Festival warmth."))

    def __init__(self, *args: Any, units: list[tuple[int, str]], funds: list, tiers: list[Tier], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.funds = {f.pk: f for f in funds}
        self.tiers = tiers
        self.fields["unit"].choices = units
        self.fields["fund"].choices = [
            (f.pk, f"{f.unit} · {f.name} · ¥{f.balance.available}") for f in funds
        ]  # fmt: skip
        since = timezone.localdate() - dt.timedelta(days=90)
        self.fields["holiday"].queryset = Holiday.objects.filter(ends_on__gte=since).order_by("starts_on")
        tier_sets = []
        for tier in tiers:
            names = [f"cash_{tier.pk}", f"goods_{tier.pk}", f"goods_value_{tier.pk}"]
            self.fields[names[0]] = forms.DecimalField(label=_("Money (yuan)"), required=False, **MONEY)
            self.fields[names[1]] = forms.CharField(label=_("Goods"), required=False, max_length=200)
            self.fields[names[2]] = forms.DecimalField(label=_("Value of the goods (yuan)"), required=False, **MONEY)
            for name in (names[0], names[2]):
                self.fields[name].widget.attrs.update(inputmode="decimal", autocomplete="off")
            tier_sets.append(Fieldset(str(tier), Div(*[Div(n, css_class="col-md-4") for n in names], css_class="row")))
        self.helper = _helper()
        self.helper.layout = Layout(Fieldset(_("Batch"), "unit", "holiday", "fund", "name"), *tier_sets)

    def fund_choice(self):
        return self.funds[self.cleaned_data["fund"]]

    def gifts(self) -> list[TierGift]:
        data = self.cleaned_data
        return [
            TierGift(
                tier=tier,
                cash=data.get(f"cash_{tier.pk}") or Decimal("0"),
                goods=data.get(f"goods_{tier.pk}") or "",
                goods_value=data.get(f"goods_value_{tier.pk}") or Decimal("0"),
            )
            for tier in self.tiers
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class DeliverForm(forms.Form):
    """The date and who received it; the key makes a double submission one payment."""

    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE)
    received_by = forms.CharField(
        label=_("Received by"), max_length=50, help_text=_("The worker, or the family member who signed.")
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("key", uuid.uuid4().hex)
        self.initial.setdefault("delivered_on", timezone.localdate())
        self.helper = _helper()
