"""Validation and layout of the hardship file forms."""

import datetime as dt
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hardship.forms import BoundedModelChoiceField, BoundedModelMultipleChoiceField
from org.people import display_name

from .idcard import normalize, parse_resident_id
from .models import MAX_HELPERS, Cause, Guarantee, HardshipFile, MeasureHeading, Member, Tier, validate_phone
from .relief_models import ReliefBasis
from .review_models import ReviewOutcome
from .selectors import helper_choices_for_user, unit_choices_for_create
from .services import MEMBER_FIELDS, MemberData, add_years
from .workflow import CloseReason, FileAction, FileKind, HandoverReason

YEAR_COSTS = ("medical_costs", "schooling_costs", "disaster_losses", "hardship_costs")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def row_helper(*rows: tuple[str, ...]) -> FormHelper:
    """A formset row: fields side by side on a wide screen, stacked on a phone."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.render_hidden_fields = True
    helper.layout = Layout(*(Row(*(Column(name, css_class="col-md") for name in row)) for row in rows), "DELETE")
    return helper


def _clean_id(value: str) -> str:
    return parse_resident_id(value).number


# What an annual review updates: income, the year's finances and the causes.
FIGURE_FIELDS = [
    "worker_income",
    "other_income",
    "annual_income",
    "medical_costs",
    "schooling_costs",
    "disaster_losses",
    "hardship_costs",
]


class CardFiguresForm(forms.ModelForm):
    """Income, the year's finances and the causes of a card: the part the card form and the annual review share."""

    causes = BoundedModelMultipleChoiceField(
        label=_("Causes of difficulty"),
        queryset=Cause.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    primary_cause = BoundedModelChoiceField(label=_("Primary cause"), queryset=Cause.objects.filter(is_active=True))

    class Meta:
        model = HardshipFile
        fields = FIGURE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["causes"] = [fc.cause_id for fc in self.instance.file_causes.all()]
            primary = self.instance.primary_cause
            self.initial["primary_cause"] = primary.pk if primary else None
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*self.figure_fieldsets(), Fieldset(_("Difficulty"), "causes", "primary_cause"))

    def figure_fieldsets(self) -> list[Fieldset]:
        return [
            Fieldset(
                _("Income"),
                Row(Column("worker_income", css_class="col-md-6"), Column("other_income", css_class="col-md-6")),
            ),
            Fieldset(
                _("This year's finances"),
                Row(Column("annual_income", css_class="col-md-6"), Column("hardship_costs", css_class="col-md-6")),
                Row(
                    Column("medical_costs", css_class="col-md-4"),
                    Column("schooling_costs", css_class="col-md-4"),
                    Column("disaster_losses", css_class="col-md-4"),
                ),
            ),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        causes, primary = data.get("causes"), data.get("primary_cause")
        if causes is not None and primary is not None and primary not in causes:
            self.add_error("primary_cause", _("The primary cause must be one of the ticked causes."))
        return data

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        # An empty cost is no cost; an empty annual income means "12 × the monthly income".
        for name in YEAR_COSTS:
            if data[name] is None:
                data[name] = Decimal("0.00")
        return data


class HardshipFileForm(CardFiguresForm):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Kind of file"),
        choices=FileKind.choices,
        required=False,
        help_text=_("A temporary file is for temporary relief of a household just above the line."),
    )

    class Meta(CardFiguresForm.Meta):
        fields = [
            "name",
            "id_number",
            "phone",
            "address",
            "employer",
            "employment_status",
            "union_member",
            "health",
            "tier",
            "review_due_on",
            *FIGURE_FIELDS,
        ]
        widgets = {"review_due_on": DATE}

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.filter(is_active=True)
        self.fields["tier"].help_text = _(
            "Used only while no tier can be suggested (no living standard for the locality and year); "
            "otherwise the tier follows the suggestion, and only a branch chair may override it."
        )
        self.fields["id_number"].widget.attrs.update(autocomplete="off", inputmode="text", maxlength=18)
        self.fields["phone"].widget.attrs.update(inputmode="tel")
        if self.instance.pk:
            del self.fields["unit"], self.fields["kind"]
        else:
            self.fields["unit"].choices = unit_choices_for_create(user=user)
        self.helper.layout = Layout(
            Fieldset(
                _("Worker"),
                *(
                    [Row(Column("unit", css_class="col-md-8"), Column("kind", css_class="col-md-4"))]
                    if "unit" in self.fields
                    else []
                ),
                Row(Column("name", css_class="col-md-6"), Column("id_number", css_class="col-md-6")),
                Row(Column("phone", css_class="col-md-6"), Column("employer", css_class="col-md-6")),
                "address",
                Row(Column("employment_status", css_class="col-md-6"), Column("health", css_class="col-md-6")),
                "union_member",
            ),
            *self.figure_fieldsets(),
            Fieldset(
                _("Difficulty"),
                "causes",
                "primary_cause",
                Row(Column("tier", css_class="col-md-6"), Column("review_due_on", css_class="col-md-6")),
            ),
        )

    def clean_id_number(self) -> str:
        return _clean_id(self.cleaned_data["id_number"])

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        validate_phone(phone)
        return phone

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if "kind" in self.fields:
            data["kind"] = self.cleaned_data["kind"] or FileKind.FORMAL
        return data


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = list(MEMBER_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["age"].required = False
        self.fields["age"].help_text = _("Filled in from the ID number when one is given.")
        self.fields["id_number"].widget.attrs.update(autocomplete="off", maxlength=18)
        self.helper = row_helper(
            ("relation", "name", "id_number"), ("age", "health", "schooling"), ("job", "monthly_income")
        )

    def clean_id_number(self) -> str:
        value = normalize(self.cleaned_data.get("id_number", ""))
        return _clean_id(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("id_number") and data.get("age") is None and not self.errors.get("id_number"):
            self.add_error("age", _("Give the member's age or ID number."))
        return data


class BaseMemberFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            number = form.cleaned_data.get("id_number") if hasattr(form, "cleaned_data") else None
            if number and not form.cleaned_data.get("DELETE"):
                if number in seen:
                    raise ValidationError(_("Two household members have the same ID number."))
                seen.add(number)

    def service_rows(self) -> list[MemberData]:
        rows = []
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            data = form.cleaned_data
            instance = data.get("id")
            rows.append(
                MemberData(
                    fields={name: data.get(name) for name in MEMBER_FIELDS},
                    pk=instance.pk if instance else None,
                    delete=bool(data.get("DELETE")),
                )
            )
        return rows


MemberFormSet = inlineformset_factory(
    HardshipFile,
    Member,
    form=MemberForm,
    formset=BaseMemberFormSet,
    extra=1,
    can_delete=True,
    max_num=20,
    validate_max=True,
)


def _not_future(value: dt.date | None) -> dt.date | None:
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."))
    return value


class TransitionForm(forms.Form):
    """The comment every step takes; subclasses add what their step records."""

    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, comment_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = comment_required
        self.helper = FormHelper()
        self.helper.form_tag = False

    def details(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "comment"}


class InvestigateForm(TransitionForm):
    investigator = forms.CharField(label=_("Investigator"), max_length=100)
    investigated_on = forms.DateField(label=_("Investigation date"), widget=DATE)
    findings = forms.CharField(label=_("Findings"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    field_order = ["investigator", "investigated_on", "findings", "comment"]

    def clean_investigated_on(self) -> dt.date:
        return _not_future(self.cleaned_data["investigated_on"])


class FileForm(TransitionForm):
    review_due_on = forms.DateField(
        label=_("Annual review due"), required=False, widget=DATE, help_text=_("Leave empty for one year from today.")
    )

    def clean_review_due_on(self) -> dt.date | None:
        value = self.cleaned_data["review_due_on"]
        if value and value <= timezone.localdate():
            raise ValidationError(_("The review date must be in the future."))
        return value


class RelieveForm(TransitionForm):
    relieved_on = forms.DateField(label=_("Relieved on"), widget=DATE)
    relief_reason = forms.CharField(
        label=_("Why the household is relieved"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    transition_ends_on = forms.DateField(
        label=_("Transition period ends"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty for the configured transition period."),
    )
    field_order = ["relieved_on", "relief_reason", "transition_ends_on", "comment"]

    def clean_relieved_on(self) -> dt.date:
        return _not_future(self.cleaned_data["relieved_on"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("relieved_on"), data.get("transition_ends_on")
        if start and not end:
            data["transition_ends_on"] = add_years(start, settings.HARDSHIP["TRANSITION_YEARS"])
        elif start and end and end <= start:
            self.add_error("transition_ends_on", _("The transition period must end after the relief date."))
        return data


class CloseForm(TransitionForm):
    close_reason = forms.ChoiceField(label=_("Reason"), choices=CloseReason.choices)
    field_order = ["close_reason", "comment"]


class HandOverForm(TransitionForm):
    handover_reason = forms.ChoiceField(
        label=_("Why the union cannot relieve the household"), choices=HandoverReason.choices
    )
    field_order = ["handover_reason", "comment"]


TRANSITION_FORMS = {
    FileAction.INVESTIGATE: InvestigateForm,
    FileAction.FILE: FileForm,
    FileAction.RELIEVE: RelieveForm,
    FileAction.CLOSE: CloseForm,
    FileAction.HAND_OVER: HandOverForm,
}


class TierOverrideForm(forms.Form):
    tier = BoundedModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.filter(is_active=True),
        required=False,
        empty_label=_("Follow the suggestion"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the tier differs from the suggestion.")},
        help_text=_("Why the tier differs from the suggestion (or why it follows it again). Kept in the history."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why the tier differs from the suggestion."))
        return reason


class PlanForm(forms.Form):
    goal = forms.CharField(label=_("Goal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    guarantees = forms.MultipleChoiceField(
        label=_("Guarantees aimed at"),
        choices=Guarantee.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)
    goals_met_on = forms.DateField(
        label=_("Goals met on"),
        required=False,
        widget=DATE,
        help_text=_("When the helpers judge the goal reached; one of the relief rules reads it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_goals_met_on(self) -> dt.date | None:
        return _not_future(self.cleaned_data["goals_met_on"])


class MeasureForm(forms.Form):
    heading = BoundedModelChoiceField(label=_("Heading"), queryset=MeasureHeading.objects.filter(is_active=True))
    description = forms.CharField(label=_("Measure"), max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = row_helper(("heading", "description"))


class HelperForm(forms.Form):
    user = BoundedModelChoiceField(label=_("Helper"), queryset=None)
    duty = forms.CharField(
        label=_("Duty"),
        max_length=50,
        required=False,
        help_text=_("For example: unit leader, union cadre, grassroots leader."),
    )

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = helper_choices_for_user(user=user)
        self.fields["user"].label_from_instance = display_name
        self.helper = row_helper(("user", "duty"))


class BaseRowsFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
            for f in self.forms
            if f.has_changed() and not f.cleaned_data.get("DELETE")
        ]


class BaseHelperFormSet(BaseRowsFormSet):
    def clean(self) -> None:
        super().clean()
        users = [row["user"].pk for row in self.rows() if row.get("user")]
        if len(users) != len(set(users)):
            raise ValidationError(_("The same helper is named twice."))


MeasureFormSet = forms.formset_factory(
    MeasureForm, formset=BaseRowsFormSet, extra=2, can_delete=True, max_num=20, validate_max=True
)
HelperFormSet = forms.formset_factory(
    HelperForm,
    formset=BaseHelperFormSet,
    extra=MAX_HELPERS,
    can_delete=True,
    max_num=MAX_HELPERS,
    validate_max=True,
    absolute_max=MAX_HELPERS,
)


class ReviewForm(forms.Form):
    """How an annual review ends; the card's figures come in a CardFiguresForm and the members formset beside it."""

    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DATE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=(), widget=forms.RadioSelect)
    tier = BoundedModelChoiceField(
        label=_("New tier"),
        queryset=Tier.objects.filter(is_active=True),
        required=False,
        empty_label=_("Follow the suggestion"),
        help_text=_("Only to change the tier: a branch chair may set one other than the suggestion."),
    )
    close_reason = forms.ChoiceField(
        label=_("Reason to close"), choices=[("", "—"), *CloseReason.choices], required=False
    )
    relief_basis = forms.ChoiceField(
        label=_("Basis for relief"),
        choices=[("", "—"), *ReliefBasis.choices],
        required=False,
        help_text=_("Only to propose relief: a branch chair confirms it."),
    )
    note = forms.CharField(label=_("Findings"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = ReviewOutcome.choices
        self.initial.setdefault("reviewed_on", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_reviewed_on(self) -> dt.date:
        return _not_future(self.cleaned_data["reviewed_on"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outcome") == ReviewOutcome.PROPOSE_RELIEF and not data.get("relief_basis"):
            self.add_error("relief_basis", _("Choose the basis of the proposal."))
        return data
