"""Sensitive values in API responses go through org.privacy, the one policy every surface follows."""

from rest_framework import serializers

from org.privacy import can_see, mask


class ReadSerializer(serializers.ModelSerializer):
    """A read-only model serializer whose choice fields allow the empty value a blank model field may hold."""

    def get_fields(self) -> dict:
        fields = super().get_fields()
        model_fields = {f.name: f for f in self.Meta.model._meta.get_fields() if hasattr(f, "blank")}
        for name, field in fields.items():
            source = model_fields.get(field.source or name)  # bound later: `source` is None when unset
            if isinstance(field, serializers.ChoiceField) and source is not None and source.blank:
                field.allow_blank = True  # DRF drops it from read-only fields
        return fields


class MaskedSerializer(ReadSerializer):
    """Serializes as usual, then masks each field in `masked` ({name: privacy field}) unless the caller may see it.

    Read-only: writes go through the pages' forms and the services. Masked values are strings (a masked
    income is "***"), so masked fields are declared as strings, never as choices or decimals.
    The decision is cached per (field, unit) in the context shared by every row of a page.
    """

    masked: dict[str, str] = {}

    def unit_of(self, instance):
        return instance.unit

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        unit = self.unit_of(instance)
        for name, field in self.masked.items():
            if name in data and not self._can_see(field, unit):
                data[name] = mask(field, data[name])
        return data

    def _can_see(self, field: str, unit) -> bool:
        cache = self.context.setdefault("can_see", {})
        key = (field, getattr(unit, "pk", None))
        if key not in cache:
            cache[key] = can_see(self.context["request"].user, field, unit)
        return cache[key]


def money(**kwargs) -> serializers.CharField:
    """A money value as a string ("1234.50"), or its mask."""
    return serializers.CharField(read_only=True, **kwargs)
