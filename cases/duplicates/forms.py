"""The merge form: which file is the duplicate, who its worker is here, and why."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Relation
from .services import SAME_PERSON


class MergeForm(forms.Form):
    other = forms.IntegerField(
        label=_("File no. of the duplicate"),
        min_value=1,
        help_text=_("That file is closed as a duplicate; its members, visits and aid move to this file."),
    )
    worker_as = forms.ChoiceField(
        label=_("The duplicate's worker is, in this household"),
        choices=[(SAME_PERSON, _("the same person as this file's worker (a mistyped ID)")), *Relation.choices],
    )
    comment = forms.CharField(
        label=_("Why the two files are one household"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the files are the same household.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
