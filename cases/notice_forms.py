"""Forms of the public notice: a notice list, an objection and its decision."""

import datetime as dt
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hardship.forms import BoundedModelMultipleChoiceField

from .forms import DATE
from .notice import MAX_WORKING_DAYS, mask_id
from .notice_models import ObjectionOutcome
from .notice_selectors import notice_candidates_for_user, notice_units_for_user


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class HouseholdChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {mask_id(obj.id_number)} · {obj.unit}"


class NoticeForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Posted by"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Notice starts"), widget=DATE)
    working_days = forms.IntegerField(
        label=_("Working days"),
        min_value=1,
        max_value=MAX_WORKING_DAYS,
        required=False,
        help_text=_("Leave empty for the federation's setting (5 unless changed). Weekends are skipped."),
    )
    contact = forms.CharField(
        label=_("Where to raise objections"),
        max_length=200,
        required=False,
        help_text=_("For example the branch office and its phone number."),
    )
    files = HouseholdChoiceField(
        label=_("Households"), queryset=None, widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.units = {u.pk: u for u in notice_units_for_user(user=user)}
        self.fields["unit"].choices = [(pk, str(u)) for pk, u in self.units.items()]
        self.fields["files"].queryset = notice_candidates_for_user(user=user, today=today)
        self.fields["files"].error_messages["required"] = _("Choose at least one household.")
        self.has_candidates = self.fields["files"].queryset.exists()
        self.initial.setdefault("starts_on", today)
        self.initial.setdefault("title", _("Public notice of households to be filed for hardship assistance"))
        self.helper = _helper()

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["unit"] = self.units[data["unit"]]
        data["files"] = list(data["files"])
        return data


class ObjectionForm(forms.Form):
    raised_by = forms.CharField(
        label=_("Raised by"), max_length=100, help_text=_("The person's name, or “anonymous” as they wished.")
    )
    raised_on = forms.DateField(label=_("Raised on"), widget=DATE)
    content = forms.CharField(label=_("Objection"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("raised_on", timezone.localdate())
        self.helper = _helper()

    def clean_raised_on(self) -> dt.date:
        value = self.cleaned_data["raised_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return value


class ObjectionDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ObjectionOutcome.REJECTED, _("Reject")), (ObjectionOutcome.UPHELD, _("Uphold"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the branch found; kept in the file's history."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()
