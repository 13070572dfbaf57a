"""Forms of a transfer: the request with its unit picker, the acceptance with new helpers, the refusal."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from hardship.forms import BoundedModelChoiceField
from org.models import Unit
from org.people import display_name

from ..forms import BaseHelperFormSet, row_helper
from ..models import MAX_HELPERS, HardshipFile
from .selectors import transfer_target_choices
from .services import helpers_for_unit


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class TransferRequestForm(forms.Form):
    to_unit = forms.TypedChoiceField(
        label=_("Receiving unit"),
        coerce=int,
        error_messages={
            "invalid_choice": _("Choose an active unit of the household's federation."),
            "required": _("Choose the receiving unit."),
        },
        help_text=_("Any unit of the federation; its branch chair accepts or refuses the household."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: the worker now works for another employer."),
    )
    handover = forms.CharField(
        label=_("Hand-over note for the new helpers"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the new unit should know: the household's situation, promises made, visits due."),
    )

    def __init__(self, *args: Any, hfile: HardshipFile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].choices = [("", "—"), *transfer_target_choices(hfile=hfile)]
        self.helper = _helper()

    def clean_to_unit(self) -> Unit:
        return Unit.objects.get(pk=self.cleaned_data["to_unit"])


class TransferAcceptForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class NewHelperForm(forms.Form):
    user = BoundedModelChoiceField(label=_("Helper"), queryset=None)
    duty = forms.CharField(label=_("Duty"), max_length=50, required=False)

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = helpers_for_unit(unit)
        self.fields["user"].label_from_instance = display_name
        self.helper = row_helper(("user", "duty"))


NewHelperFormSet = forms.formset_factory(
    NewHelperForm,
    formset=BaseHelperFormSet,
    extra=MAX_HELPERS,
    can_delete=True,
    max_num=MAX_HELPERS,
    validate_max=True,
    absolute_max=MAX_HELPERS,
)


class TransferRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the transfer is refused"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the transfer is refused.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()
