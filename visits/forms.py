"""The visit form (one phone screen) and the flag-handling form."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import validate_phone
from cases.selectors import helper_choices_for_user
from hardship.forms import BoundedModelMultipleChoiceField
from hardship.uploads import ACCEPT
from org.people import display_name

from .models import Outcome, OutcomeReason, Visit, VisitKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or PDFs from one input; their type is checked by content in the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT, "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class VisitForm(forms.ModelForm):
    visitors = PersonChoiceField(label=_("Visitors"), queryset=None, widget=forms.CheckboxSelectMultiple)
    attachments = MultipleFileField(
        label=_("Photos or PDF"),
        required=False,
        help_text=_("Up to %(n)d files, each at most %(mb)d MB.")
        % {
            "n": settings.HARDSHIP["VISIT_ATTACHMENTS_PER_VISIT"],
            "mb": settings.HARDSHIP["VISIT_ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
        },
    )

    household_income = forms.DecimalField(
        label=_("Household income this month (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Optional: becomes the month's per-capita figure, which the relief rule reads."),
    )

    class Meta:
        model = Visit
        fields = [
            "visited_on",
            "kind",
            "met",
            *Visit.SIX_KNOWS,
            "outcome",
            "reason",
            "notes",
            "condolence_money",
            "goods",
        ]
        widgets = {
            "visited_on": DATE,
            "kind": forms.RadioSelect,
            "outcome": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visitors"].queryset = helper_choices_for_user(user=user)
        self.fields["reason"].queryset = OutcomeReason.objects.filter(is_active=True)
        self.fields["kind"].choices = VisitKind.choices
        self.fields["outcome"].choices = Outcome.choices
        self.fields["condolence_money"].widget.attrs.update(inputmode="decimal")
        self.fields["visited_on"].widget.attrs.update(max=f"{timezone.localdate():%Y-%m-%d}")
        self.initial.setdefault("visited_on", timezone.localdate())
        self.initial.setdefault("visitors", [user.pk])
        self.initial.setdefault("outcome", Outcome.NO_CHANGE)

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["household_income"] = self.cleaned_data.get("household_income")
        return data


class FlagHandleForm(forms.Form):
    note = forms.CharField(
        label=_("How it was handled"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), strip=True
    )


class OfflineVisitForm(VisitForm):
    """A visit recorded on a phone offline, as it arrives in a sync: the visit form's fields, the record's
    key and the file's version, the household facts changed at the visit and what the phone showed before.

    A fact is changed only when the record names it (`phone`, `address`; `household_income` as on the form).
    """

    key = forms.UUIDField()
    file = forms.IntegerField(min_value=1)
    version = forms.IntegerField(min_value=0)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    base_phone = forms.CharField(max_length=20, required=False, strip=False)
    base_address = forms.CharField(max_length=200, required=False, strip=False)
    base_income = forms.DecimalField(required=False, max_digits=14, decimal_places=2)

    CHANGES = ("phone", "address")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["attachments"]  # photos are added to the visit once online

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        validate_phone(phone)
        return phone

    def changes(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.CHANGES if name in self.data}

    def base(self) -> dict[str, Any]:
        return {
            "phone": self.cleaned_data["base_phone"],
            "address": self.cleaned_data["base_address"],
            "household_income": self.cleaned_data["base_income"],
        }
