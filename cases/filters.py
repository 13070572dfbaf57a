"""The file list's filters, search and sort; applied to an already scoped queryset."""

import re

import django_filters
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.privacy import Field, full_view_unit_ids
from org.scoping import scope_for

from .models import Cause, HardshipFile, Tier
from .quality import FILE_CHECKS, file_checks
from .selectors import config_items
from .workflow import INACTIVE_STATUSES, FileKind, FileStatus

ID_LIKE = re.compile(r"^[0-9]{4,17}[0-9Xx]?$")

ANY = _("All")
ALL_STATUSES = "all"
SORTS = {
    "updated": ("updated_at", True, _("Recently updated")),
    "name": ("name", False, _("Name")),
    "income": ("per_capita_income", False, _("Per-capita income, lowest first")),
    "-income": ("per_capita_income", True, _("Per-capita income, highest first")),
}


def _config_choices(model) -> list[tuple[int, str]]:
    return [(item.pk, str(item)) for item in config_items(model, active_only=True)]


class FileFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or ID number"), method="search")
    # Empty means the active caseload: closed files and households handed to government support are left out.
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(ALL_STATUSES, _("All, closed included")), *FileStatus.choices],
        empty_label=_("Active files"),
        method="by_status",
    )
    kind = django_filters.ChoiceFilter(label=_("Kind of file"), choices=FileKind.choices, empty_label=ANY)
    # ChoiceFilter (not Typed...) so every select starts with an empty "any" choice.
    tier = django_filters.ChoiceFilter(label=_("Tier"), field_name="tier_id", empty_label=ANY)
    cause = django_filters.ChoiceFilter(label=_("Cause"), field_name="file_causes__cause_id", empty_label=ANY)
    unit = django_filters.ChoiceFilter(label=_("Unit (with units below)"), method="in_unit", empty_label=ANY)
    review = django_filters.ChoiceFilter(
        label=_("Annual review"),
        method="review_due",
        empty_label=ANY,
        choices=[("overdue", _("Overdue")), ("soon", _("Due soon"))],
    )
    quality = django_filters.ChoiceFilter(label=_("Data quality"), method="by_quality", empty_label=ANY)
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        method="no_op",
        empty_label=None,
        choices=[(key, label) for key, (_f, _d, label) in SORTS.items()],
    )

    class Meta:
        model = HardshipFile
        fields: list[str] = []

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope_for(user)
        self.user = user
        self.filters["tier"].extra["choices"] = _config_choices(Tier)
        self.filters["cause"].extra["choices"] = _config_choices(Cause)
        self.filters["unit"].extra["choices"] = self.scope.unit_choices()
        self.filters["quality"].extra["choices"] = [(check.code, check.label) for check in file_checks()]
        for name, field in self.form.fields.items():
            css = "form-control" if name == "q" else "form-select"
            field.widget.attrs.setdefault("class", css)

    @property
    def qs(self) -> QuerySet:
        qs = super().qs
        return qs if self.is_bound else qs.exclude(status__in=INACTIVE_STATUSES)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        qs = super().filter_queryset(queryset)
        return qs if self.form.cleaned_data.get("status") else qs.exclude(status__in=INACTIVE_STATUSES)

    def by_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs if value == ALL_STATUSES else qs.filter(status=value)

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if ID_LIKE.match(value):
            # A prefix search where the reader sees ID numbers; elsewhere only the whole number matches,
            # so a masked number cannot be read back digit by digit.
            seen = full_view_unit_ids(self.user, Field.ID_NUMBER)
            return qs.filter(Q(id_number__startswith=value.upper(), unit_id__in=seen) | Q(id_number=value.upper()))
        return qs.filter(name__startswith=value) if value else qs

    def in_unit(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(unit_id__in=self.scope.subtree_ids(int(value)))

    def by_quality(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(FILE_CHECKS[value].condition(timezone.localdate()))

    def review_due(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        today = timezone.localdate()
        if value == "overdue":
            return qs.review_overdue(today)
        return qs.review_due_within(today, settings.HARDSHIP["REVIEW_DUE_SOON_DAYS"])

    def no_op(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs

    def selects(self) -> list[dict]:
        """Each select with its options and which is chosen, rendered by a plain loop.

        Django's widget templates cost more than the rest of the list page together.
        """
        data = self.form.data if self.is_bound else {}
        return [
            {
                "field": self.form[name],
                "options": [(str(v), str(label), str(v) == data.get(name, "")) for v, label in field.choices],
            }
            for name, field in self.form.fields.items()
            if name != "q"
        ]

    def sort_key(self) -> tuple[str, bool]:
        key = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        field, descending, _label = SORTS.get(key or "updated", SORTS["updated"])
        return field, descending
