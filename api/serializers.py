"""What the API returns for units, hardship files and members; sensitive values masked (api.masking)."""

from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.forms import FIGURE_FIELDS
from cases.models import Cause, HardshipFile, Member, Tier
from cases.selectors import config_items, file_permissions
from org.privacy import Field
from org.scoping import scope_for

from .masking import MaskedSerializer, money

INCOME_FIELDS = (*FIGURE_FIELDS, "household_income", "per_capita_income", "per_capita_net")


def _english() -> bool:
    return (get_language() or "").startswith("en")


def config_name(model, pk: int | None) -> str | None:
    """The name of a tier or cause in the caller's language, from the cached configuration list."""
    if pk is None:
        return None
    return next((str(item) for item in config_items(model) if item.pk == pk), None)


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()
    name_zh = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    depth = serializers.IntegerField(read_only=True)
    roles = serializers.SerializerMethodField()

    def get_name(self, unit) -> str:
        return (unit.name_en or unit.name_zh) if _english() else unit.name_zh

    def get_roles(self, unit) -> list[str]:
        """The caller's roles over this unit (held here or above)."""
        return sorted(scope_for(self.context["request"].user).roles_at(unit))


class MemberSerializer(MaskedSerializer):
    masked = {"id_number": Field.ID_NUMBER, "health": Field.HEALTH, "monthly_income": Field.INCOME}

    file = serializers.IntegerField(source="file_id", read_only=True)
    health = serializers.CharField(read_only=True)
    monthly_income = money()

    class Meta:
        model = Member
        fields = ["id", "file", "relation", "name", "id_number", "age", "health", "schooling", "job", "monthly_income"]
        read_only_fields = fields

    def unit_of(self, member):
        return self.context.get("unit") or member.file.unit


class FileListSerializer(MaskedSerializer):
    masked = {"id_number": Field.ID_NUMBER, "per_capita_income": Field.INCOME}

    url = serializers.SerializerMethodField()
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_name = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    tier = serializers.IntegerField(source="tier_id", read_only=True, allow_null=True)
    tier_name = serializers.SerializerMethodField()
    per_capita_income = money()

    class Meta:
        model = HardshipFile
        fields = ["id", "url", "name", "id_number", "unit", "unit_name", "status", "status_label", "kind", "tier",
                  "tier_name", "per_capita_income", "review_due_on", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_url(self, hfile) -> str:
        return reverse("api:file-detail", args=[hfile.pk])

    def get_unit_name(self, hfile) -> str:
        return UnitSerializer(context=self.context).get_name(hfile.unit)

    def get_tier_name(self, hfile) -> str | None:
        return config_name(Tier, hfile.tier_id)


class FileCauseSerializer(serializers.Serializer):
    cause = serializers.IntegerField(source="cause_id", read_only=True)
    name = serializers.SerializerMethodField()
    is_primary = serializers.BooleanField(read_only=True)

    def get_name(self, fc) -> str | None:
        return config_name(Cause, fc.cause_id)


class FileDetailSerializer(FileListSerializer):
    masked = {
        "id_number": Field.ID_NUMBER,
        "phone": Field.PHONE,
        "health": Field.HEALTH,
        **dict.fromkeys(INCOME_FIELDS, Field.INCOME),
    }

    health = serializers.CharField(read_only=True)
    worker_income = money()
    other_income = money()
    annual_income = money(allow_null=True)
    medical_costs = money()
    schooling_costs = money()
    disaster_losses = money()
    hardship_costs = money()
    household_income = money()
    per_capita_net = money(allow_null=True)
    suggested_tier = serializers.IntegerField(source="suggested_tier_id", read_only=True, allow_null=True)
    tier_overridden = serializers.BooleanField(read_only=True)
    causes = FileCauseSerializer(source="file_causes", many=True, read_only=True)
    members = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()

    class Meta(FileListSerializer.Meta):
        fields = [
            *FileListSerializer.Meta.fields,
            *("birth_date", "sex", "phone", "address", "employer", "employment_status", "union_member", "health"),
            *INCOME_FIELDS,
            *("household_size", "suggested_tier", "tier_overridden", "causes", "members", "filed_on", "created_at"),
            *("actions", "can_edit"),
        ]
        read_only_fields = fields

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, hfile) -> list[dict]:
        context = {**self.context, "unit": hfile.unit}
        return MemberSerializer(hfile.members.all(), many=True, context=context).data

    def get_actions(self, hfile) -> list[str]:
        """The lifecycle steps open to the caller now (as on the file page)."""
        return file_permissions(user=self.context["request"].user, hfile=hfile).actions

    def get_can_edit(self, hfile) -> bool:
        return file_permissions(user=self.context["request"].user, hfile=hfile).can_edit
