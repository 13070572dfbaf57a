"""What the API returns for visits, aid requests, notifications and reports."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from funds.models import AidDecision, AidRequest
from org.people import display_name
from org.privacy import Field
from reports.models import Report, ReportStatus
from visits.models import Visit, VisitAttachment

from .masking import MaskedSerializer, ReadSerializer, money


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return display_name(user)


class AttachmentSerializer(ReadSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = VisitAttachment
        fields = ["id", "url", "content_type", "size", "original_name", "uploaded_at"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return reverse("api:attachment-detail", args=[attachment.pk])


class VisitSerializer(MaskedSerializer):
    # What the visitors learnt may describe an illness: shown like the household's health.
    masked = {"notes": Field.HEALTH}

    file = serializers.IntegerField(source="file_id", read_only=True)
    visitors = PersonSerializer(many=True, read_only=True)
    reason = serializers.IntegerField(source="reason_id", read_only=True, allow_null=True)
    notes = serializers.CharField(read_only=True)
    condolence_money = money()
    recorded_by = PersonSerializer(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "file", "visited_on", "kind", "visitors", "met", *Visit.SIX_KNOWS, "outcome", "reason",
                  "notes", "condolence_money", "goods", "recorded_by", "created_at", "attachments"]  # fmt: skip
        read_only_fields = fields

    def unit_of(self, visit):
        return visit.file.unit


class DecisionSerializer(ReadSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)
    on_behalf_of = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AidDecision
        fields = ["action", "level", "from_status", "to_status", "actor", "on_behalf_of", "at", "comment"]
        read_only_fields = fields


class AidRequestSerializer(ReadSerializer):
    file = serializers.IntegerField(source="file_id", read_only=True)
    household = serializers.CharField(source="file.name", read_only=True)
    aid_type = serializers.IntegerField(source="aid_type_id", read_only=True)
    aid_type_name = serializers.CharField(source="aid_type", read_only=True)
    fund = serializers.IntegerField(source="fund_id", read_only=True)
    fund_name = serializers.CharField(source="fund.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    approver_unit = serializers.IntegerField(source="approver_unit_id", read_only=True, allow_null=True)
    topup_fund = serializers.IntegerField(source="topup_fund_id", read_only=True, allow_null=True)
    child = serializers.IntegerField(source="child_id", read_only=True, allow_null=True)
    created_by = PersonSerializer(read_only=True)

    class Meta:
        model = AidRequest
        fields = ["id", "file", "household", "aid_type", "aid_type_name", "fund", "fund_name", "status",
                  "status_label", "level", "approver_role", "approver_unit", "requested_amount", "suggested_amount",
                  "topup_fund", "topup_amount", "justification", "total_cost", "insurance", "other_aid",
                  "special_factor", "child", "stage", "event", "occasion", "duplicate_reason", "paid_at",
                  "created_by", "created_at"]  # fmt: skip
        read_only_fields = fields


class AidRequestDetailSerializer(AidRequestSerializer):
    invoice_numbers = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta(AidRequestSerializer.Meta):
        fields = [*AidRequestSerializer.Meta.fields, "invoice_numbers", "decisions"]
        read_only_fields = fields

    def get_invoice_numbers(self, aid) -> list[str]:
        return [invoice.number for invoice in aid.invoices.all()]


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="notification.pk", read_only=True)
    kind = serializers.CharField(source="notification.kind", read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    link = serializers.CharField(source="notification.link", read_only=True)
    read = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="notification.created_at", read_only=True)

    def get_read(self, shown) -> bool:
        return shown.notification.read_at is not None


class ReportSerializer(ReadSerializer):
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "kind", "unit", "title", "params", "language", "status", "status_label", "progress", "error",
                  "created_at", "download"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download(self, report) -> str | None:
        """Where the PDF is fetched once the report is done."""
        return reverse("api:report-download", args=[report.pk]) if report.status == ReportStatus.DONE else None
