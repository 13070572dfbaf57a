"""The forms that ask for a report: each validates its parameters and names the unit whose data it holds."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Role, Unit
from org.scoping import scope_for
from visits.models import Outcome

from .annual import AID_METRICS, FILE_METRICS, subtree_unit_ids, year_has_data
from .compliance import VISIT_FIGURES

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
    """Which figure of an annual summary to list what is behind (all of it checked: links can be edited).

    `branch` names a "by unit" row: a unit under the summary's unit; the summary's own unit as a row holds only
    what is filed directly there. Each section's form adds its metrics and the parameters naming its rows.
    """

    metrics: tuple[str, ...] = ()

    unit = forms.TypedChoiceField(coerce=int)
    year = forms.IntegerField(min_value=FIRST_YEAR)
    metric = forms.ChoiceField()
    branch = forms.IntegerField(required=False)

    def __init__(self, data=None, *, user, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["unit"].choices = scope_for(user).unit_choices()
        self.fields["unit"].error_messages["invalid_choice"] = _("Choose one of your units.")
        self.fields["metric"].choices = [(m, m) for m in self.metrics]
        self.fields["metric"].error_messages["invalid_choice"] = _("No such figure.")
        self.fields["year"].validators.append(MaxValueValidator(timezone.localdate().year))
        self.fields["year"].error_messages["max_value"] = _(
            "The year cannot be later than this year (%(limit_value)s)."
        )
        self.fields["year"].error_messages["min_value"] = _("The year cannot be earlier than %(limit_value)s.")

    def clean(self) -> dict:
        data = super().clean()
        if "unit" in data:
            data["unit"] = Unit.objects.get(pk=data["unit"])
            branch = data.get("branch")
            if branch:
                found = Unit.objects.filter(pk=branch, path__startswith=data["unit"].path).first()
                if found is None:
                    raise forms.ValidationError(_("That unit is not under %(unit)s.") % {"unit": data["unit"].name})
                data["branch_unit"] = found
        return data

    def branch_unit(self) -> Unit:
        return self.cleaned_data.get("branch_unit") or self.cleaned_data["unit"]

    def unit_ids(self) -> list[int]:
        """The units whose records the figure counts: the row's unit and those below it."""
        data = self.cleaned_data
        # The summary's own unit as a "by unit" row holds only the households filed directly there.
        return [data["unit"].pk] if data.get("branch") == data["unit"].pk else subtree_unit_ids(self.branch_unit())


class FileDrillForm(DrillForm):
    metrics = FILE_METRICS

    tier = forms.IntegerField(required=False)
    cause = forms.IntegerField(required=False)


class VisitDrillForm(DrillForm):
    """A figure of the visits table (a unit row or the total), or an outcome's count of visits."""

    metrics = (*VISIT_FIGURES, "compliance", "outcome")

    outcome = forms.ChoiceField(choices=Outcome.choices, required=False)

    def __init__(self, data=None, *, user, **kwargs) -> None:
        super().__init__(data, user=user, **kwargs)
        self.fields["outcome"].error_messages["invalid_choice"] = _("No such outcome.")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("metric") == "outcome" and not data.get("outcome"):
            raise forms.ValidationError(_("Name the outcome whose visits to list."))
        return data


class AidDrillForm(DrillForm):
    """A figure of the aid table (a type · fund row or the total), or the households paid aid."""

    metrics = (*AID_METRICS, "households")

    aid_type = forms.IntegerField(required=False)
    fund = forms.IntegerField(required=False)


class ObjectForm(ReportForm):
    """A report about one object the user can see (a household, a fund, a request): anything else is not found."""

    pk = forms.IntegerField(min_value=1)
    not_found = _("Not found, or not yours to see.")

    def queryset(self):
        raise NotImplementedError

    def clean_pk(self) -> int:
        self.object = self.queryset().filter(pk=self.cleaned_data["pk"]).first()
        if self.object is None:
            raise forms.ValidationError(self.not_found)
        return self.cleaned_data["pk"]

    def params(self) -> dict:
        return {"pk": self.object.pk}


class HardshipCardForm(ObjectForm):
    def queryset(self):
        from cases.selectors import file_list_for_user

        return file_list_for_user(user=self.user).select_related("unit")

    def unit(self) -> Unit:
        return self.object.unit


class AidSheetForm(ObjectForm):
    def queryset(self):
        from funds.selectors import aid_list_for_user

        return aid_list_for_user(user=self.user).select_related("file__unit")

    def unit(self) -> Unit:
        return self.object.file.unit


class FundStatementForm(ObjectForm):
    start = forms.DateField(label=_("From"))
    end = forms.DateField(label=_("To"))

    def queryset(self):
        from funds.selectors import fund_list_for_user

        return fund_list_for_user(user=self.user).select_related("unit")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["start"] > data["end"]:
                raise forms.ValidationError(_("The period ends before it starts."))
            if data["end"] > timezone.localdate() or data["start"].year < FIRST_YEAR:
                raise forms.ValidationError(_("Choose a period between %(first)s and today.") % {"first": FIRST_YEAR})
        return data

    def unit(self) -> Unit:
        return self.object.unit

    def params(self) -> dict:
        return {"pk": self.object.pk, "start": self.cleaned_data["start"].isoformat(),
                "end": self.cleaned_data["end"].isoformat()}  # fmt: skip


class VisitRosterForm(ReportForm):
    unit_id = forms.TypedChoiceField(label=_("Unit (with the units below)"), coerce=int)
    month = forms.RegexField(label=_("Month"), regex=r"^\d{4}-\d{2}$", max_length=7)
    mine = forms.BooleanField(label=_("Only the households I am responsible for"), required=False)

    def __init__(self, data=None, *, user, **kwargs) -> None:
        super().__init__(data, user=user, **kwargs)
        self.fields["unit_id"].choices = scope_for(user).unit_choices()
        self.fields["unit_id"].error_messages["invalid_choice"] = _("Choose one of your units.")
        self.fields["month"].error_messages["invalid"] = _("Give the month as YYYY-MM.")
        self.fields["month"].initial = f"{timezone.localdate():%Y-%m}"

    def clean_month(self) -> str:
        value = self.cleaned_data["month"]
        year, month = int(value[:4]), int(value[5:])
        if not 1 <= month <= 12 or not FIRST_YEAR <= year <= timezone.localdate().year + 1:
            raise forms.ValidationError(_("Give the month as YYYY-MM."))
        return value

    def unit(self) -> Unit:
        return Unit.objects.get(pk=self.cleaned_data["unit_id"])

    def params(self) -> dict:
        helper = self.user.pk if self.cleaned_data["mine"] else None
        return {"month": self.cleaned_data["month"], "helper": helper}


class PublicNoticeForm(ObjectForm):
    def queryset(self):
        from cases.notice_models import PublicNotice

        return PublicNotice.objects.visible_to(self.user).select_related("unit")

    def unit(self) -> Unit:
        return self.object.unit


class CondolenceSheetForm(ObjectForm):
    """A condolence batch's sign-off sheet: the households of the batch under one of the user's units."""

    part = forms.IntegerField(required=False, min_value=1)

    def queryset(self):
        from funds.selectors_batch import batch_list_for_user

        return batch_list_for_user(user=self.user).select_related("unit")

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        scope = scope_for(self.user)
        below = scope.unit_choices_below(self.object.unit.path)
        pk = data.get("part") or (self.object.unit_id if self.object.unit_id in scope.unit_ids else None)
        pk = pk or (below[0][0] if below else None)
        if pk not in {choice for choice, _label in below}:
            raise forms.ValidationError(_("Choose one of your units."))
        self.part = Unit.objects.get(pk=pk)
        return data

    def unit(self) -> Unit:
        return self.part
