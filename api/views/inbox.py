"""The caller's notifications and reports: their own list, marked read or asked for through the same services."""

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from notices.selectors import notification_get_for_user, notifications_for_user, notifications_rendered
from notices.services import notification_mark_read, notifications_mark_all_read
from reports.kinds import KINDS, kind_for
from reports.models import ReportStatus
from reports.selectors import my_reports, report_get_for_user
from reports.services import report_request

from ..forms import form_serializer, payload, validate
from ..serializers_work import NotificationSerializer, ReportSerializer
from .base import ApiViewSet


class Conflict(ValidationError):
    status_code = status.HTTP_409_CONFLICT


@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, ApiViewSet):
    """The caller's own notifications, newest first, in the language they chose; nobody sees anyone else's."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        return notifications_for_user(user=self.user)

    def list(self, request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        shown = notifications_rendered(user=self.user, items=page)
        return self.get_paginated_response(NotificationSerializer(shown, many=True).data)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk: int) -> Response:
        notification = notification_get_for_user(user=self.user, pk=pk)
        notification_mark_read(notification=notification, by=self.user)
        notification.refresh_from_db()
        return Response(NotificationSerializer(notifications_rendered(user=self.user, items=[notification])[0]).data)

    @extend_schema(request=None, responses=inline_serializer("Marked", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request) -> Response:
        return Response({"marked": notifications_mark_all_read(by=self.user)})


def _report_form_fields() -> dict:
    fields = {}
    for spec in KINDS.values():
        for name, field in spec.form.base_fields.items():
            fields.setdefault(name, field)
    return fields


class _AllReportFields:
    base_fields = _report_form_fields()


ReportAsk = form_serializer(
    "ReportAsk",
    _AllReportFields,
    partial=True,
    extra={"kind": serializers.ChoiceField(choices=sorted(KINDS), help_text="The kind of report.")},
)


@extend_schema(tags=["reports"])
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Reports the caller asked for; each is made in the background: ask, follow its status, download."""

    serializer_class = ReportSerializer

    def get_queryset(self):
        return my_reports(user=self.user)

    def get_object(self):
        return report_get_for_user(user=self.user, pk=self.kwargs["pk"])

    @extend_schema(request=ReportAsk, responses={201: ReportSerializer, 200: ReportSerializer})
    def create(self, request) -> Response:
        """Ask for a report (the kind's own parameters, as on its page); an unchanged one is reused (200)."""
        kind = request.data.get("kind") if hasattr(request.data, "get") else None
        spec = kind_for(kind) if isinstance(kind, str) else None
        if spec is None:
            raise ValidationError({"kind": [_("Choose a kind of report from the list.")]})
        form = spec.form(payload(request.data, spec.form.base_fields), user=self.user)
        validate(form)
        report, reused = report_request(
            user=self.user,
            kind=kind,
            unit=form.unit(),
            params=form.params(),
            regenerate=form.cleaned_data["regenerate"],
        )
        code = status.HTTP_200_OK if reused else status.HTTP_201_CREATED
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="The report is not ready yet."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk: int) -> FileResponse:
        report = self.get_object()
        if report.status != ReportStatus.DONE:
            raise Conflict({"detail": _("This report is not ready.")})
        if not default_storage.exists(report.file.name):
            raise NotFound(_("The file of this report is no longer stored. Generate it again."))
        name = f"{report.title}.pdf".replace("/", "-")
        return FileResponse(default_storage.open(report.file.name, "rb"), as_attachment=True, filename=name,
                            content_type="application/pdf")  # fmt: skip
