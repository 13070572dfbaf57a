"""The upload form: one spreadsheet, within the size limit."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .reader import too_big_message


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.HARDSHIP["IMPORT_MAX_BYTES"]:
            raise forms.ValidationError(too_big_message(upload.size))
        return upload
