"""Form helpers shared by every app."""

from django import forms
from django.core.exceptions import ValidationError


def report_service_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's refusal on the form: on its field when the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# The largest key a bigint column holds; a larger number in a form is no key of anything.
MAX_PK = 2**63 - 1


def _too_large(value) -> bool:
    text = str(value).strip()
    return text.lstrip("-").isdigit() and abs(int(text)) > MAX_PK


class BoundedModelChoiceField(forms.ModelChoiceField):
    """A key too large for the database is an invalid choice with a message, not a 500.

    Django looks the value up in the database, and SQLite raises OverflowError past 64 bits.
    """

    def to_python(self, value):
        if value not in self.empty_values and _too_large(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """As BoundedModelChoiceField, for several keys."""

    def _check_values(self, value):
        for pk in value:
            if _too_large(pk):
                params = {"pk": str(pk).strip()[:30]}
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value", params=params)
        return super()._check_values(value)
