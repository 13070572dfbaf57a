"""The forms that ask for a report: each validates its parameters and names the unit whose data it holds."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Role, Unit
from org.scoping import scope_for

from .annual import FILE_METRICS, year_has_data

FIRST_YEAR = 2000


class ReportForm(forms.Form):
    """A report's parameters; `unit()` and `params()` are read after `is_valid()`."""

    regenerate = forms.BooleanField(label=_("Generate again even if a copy is stored"), required=False)

    def __init__(self, data=None, *, user, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.user = user

    def unit(self) -> Unit:
        raise NotImplementedError

    def params(self) -> dict:
        raise NotImplementedError


def summary_units(user) -> list[tuple[int, str]]:
    """Units whose annual summary the user may ask for: any in scope for federation staff, the branch for a chair."""
    scope = scope_for(user)
    paths = [p for role in (Role.FEDERATION_STAFF, Role.BRANCH_CHAIR) for p in scope.role_paths.get(role, ())]
    allowed = {pk for pk, path, _zh, _en in scope.units if any(path.startswith(p) for p in paths)}
    return [(pk, label) for pk, label in scope.unit_choices() if pk in allowed]


class AnnualSummaryForm(ReportForm):
    unit_id = forms.TypedChoiceField(label=_("Unit (with the units below)"), coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)

    def __init__(self, data=None, *, user, **kwargs) -> None:
        super().__init__(data, user=user, **kwargs)
        self.fields["unit_id"].choices = summary_units(user)
        self.fields["year"].validators.append(MaxValueValidator(timezone.localdate().year))
        self.fields["year"].widget.attrs.update(min=FIRST_YEAR, max=timezone.localdate().year)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["year"].error_messages["max_value"] = _(
            "The year cannot be later than this year (%(limit_value)s)."
        )
        self.fields["year"].error_messages["min_value"] = _("The year cannot be earlier than %(limit_value)s.")
        self.fields["unit_id"].error_messages["invalid_choice"] = _("Choose one of your units.")

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        unit = self.unit()
        if not year_has_data(unit=unit, year=data["year"]):
            raise forms.ValidationError(
                _("%(unit)s has no households, visits, aid or money on record for %(year)s: nothing to summarise.")
                % {"unit": unit.name, "year": data["year"]},
                code="empty",
            )
        return data

    def unit(self) -> Unit:
        return Unit.objects.get(pk=self.cleaned_data["unit_id"])

    def params(self) -> dict:
        return {"year": self.cleaned_data["year"]}


class DrillForm(forms.Form):
    """Which figure of an annual summary to list the households of (all of it checked: links can be edited)."""

    unit = forms.TypedChoiceField(coerce=int)
    year = forms.IntegerField(min_value=FIRST_YEAR)
    metric = forms.ChoiceField(choices=[(m, m) for m in FILE_METRICS])
    tier = forms.IntegerField(required=False)
    cause = forms.IntegerField(required=False)
    branch = forms.IntegerField(required=False)

    def __init__(self, data=None, *, user, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["unit"].choices = scope_for(user).unit_choices()
        self.fields["unit"].error_messages["invalid_choice"] = _("Choose one of your units.")
        self.fields["year"].validators.append(MaxValueValidator(timezone.localdate().year))

    def clean(self) -> dict:
        data = super().clean()
        if "unit" in data:
            data["unit"] = Unit.objects.get(pk=data["unit"])
            branch = data.get("branch")
            if branch and not Unit.objects.filter(pk=branch, path__startswith=data["unit"].path).exists():
                raise forms.ValidationError(_("That unit is not under %(unit)s.") % {"unit": data["unit"].name})
        return data

    def branch_unit(self) -> Unit:
        branch = self.cleaned_data.get("branch")
        return Unit.objects.get(pk=branch) if branch else self.cleaned_data["unit"]
