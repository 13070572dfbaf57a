"""The pages' own forms validate API input: one set of rules, whichever door the data comes in by.

`bind` fills a form from a JSON or multipart body (refusing values of the wrong shape), `validate`
returns its cleaned data or raises a 400 with the form's field errors, and `form_serializer` describes
the form as a serializer for the OpenAPI schema only.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from .errors import form_errors

MULTIPLE = (forms.ModelMultipleChoiceField, forms.MultipleChoiceField)


def _wrong_shape(field: forms.Field, value: Any) -> bool:
    if isinstance(value, dict):
        return True
    if isinstance(value, list):
        if isinstance(field, MULTIPLE):
            return any(isinstance(item, dict | list) for item in value)
        return not isinstance(field, forms.FileField)
    return False


def payload(data, fields: dict[str, forms.Field]) -> dict[str, Any]:
    """The body as a dict of form data: a multipart body's lists kept for multiple fields; JSON checked for shape."""
    if hasattr(data, "getlist"):
        multiple = {name for name, field in fields.items() if isinstance(field, MULTIPLE)}
        return {name: data.getlist(name) if name in multiple else data.get(name) for name in data if name in fields}
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    errors = {name: [_("This value has the wrong type.")] for name, value in data.items()
              if name in fields and _wrong_shape(fields[name], value)}  # fmt: skip
    if errors:
        raise ValidationError(errors)
    return {name: ("" if value is None else value) for name, value in data.items() if name in fields}


def current_values(form: forms.BaseForm) -> dict[str, Any]:
    """An unbound form's values (the instance's, for a model form): the base a PATCH changes."""
    return {name: form[name].value() for name in form.fields}


def validate(form: forms.BaseForm) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    return form.cleaned_data


def _choices(field: forms.Field) -> list | None:
    choices = [(value, label) for value, label in getattr(field, "choices", []) if value != ""]
    return choices or None


def _schema_field(field: forms.Field) -> serializers.Field:
    common = {"required": field.required, "help_text": str(field.help_text or "") or None}
    if not field.required:
        common["allow_null"] = True
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, forms.FileField):
        multiple = getattr(field.widget, "allow_multiple_selected", False)
        return (
            serializers.ListField(child=serializers.FileField(), **common)
            if multiple
            else serializers.FileField(**common)
        )
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**common)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.ListField(child=serializers.ChoiceField(choices=_choices(field) or []), **common)
    if isinstance(field, forms.ChoiceField):
        choices = _choices(field) if not isinstance(field, forms.TypedChoiceField) else None
        if choices:
            return serializers.ChoiceField(choices=choices, allow_blank=not field.required, **common)
        return serializers.IntegerField(**common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(required=False, help_text=common["help_text"])
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(max_digits=field.max_digits, decimal_places=field.decimal_places, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(min_value=field.min_value, max_value=field.max_value, **common)
    return serializers.CharField(max_length=getattr(field, "max_length", None), allow_blank=not field.required,
                                 **common)  # fmt: skip


def form_serializer(name: str, form_class: type[forms.BaseForm], *, exclude: tuple[str, ...] = (),
                    partial: bool = False, extra: dict | None = None) -> type[serializers.Serializer]:  # fmt: skip
    """A serializer class mirroring `form_class`'s fields, for the schema (the form does the validating)."""
    attrs = {}
    for field_name, field in form_class.base_fields.items():
        if field_name in exclude:
            continue
        attrs[field_name] = _schema_field(field)
        if partial:
            attrs[field_name].required = False
    attrs.update(extra or {})
    return type(name, (serializers.Serializer,), attrs)
