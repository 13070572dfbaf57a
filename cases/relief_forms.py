"""Forms of the relief steps: a proposal and a chair's decision."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONFIRM, REJECT = "confirm", "reject"


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ReliefProposeForm(_Form):
    basis = forms.ChoiceField(label=_("Basis"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example what changed: found work, recovered, the child graduated."),
    )

    def __init__(self, *args: Any, bases: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["basis"].choices = bases
        if len(bases) == 1:
            self.initial.setdefault("basis", bases[0][0])


class ReliefDecideForm(_Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(CONFIRM, _("Confirm relief")), (REJECT, _("Reject the proposal"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == REJECT and not (data.get("note") or "").strip():
            raise ValidationError({"note": _("Say why the proposal is rejected.")})
        return data
