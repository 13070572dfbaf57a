"""Visits with their attachments: the visit form's rules and `visit_record`, the same as the phone page's."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from cases.selectors import file_get_for_user
from hardship.uploads import SIGNATURES
from visits.forms import VisitForm
from visits.models import Visit
from visits.selectors import can_record_visit
from visits.services import visit_record
from visits.views import attachment_download

from ..forms import current_values, form_serializer, payload, validate
from ..serializers_work import VisitSerializer
from .base import ApiViewSet

# The only types an upload is stored as (proven from its first bytes).
ATTACHMENT_TYPES = {kind for _magic, kind in SIGNATURES}
VisitWrite = form_serializer("VisitWrite", VisitForm, exclude=("attachments",), partial=True)
VisitUpload = form_serializer("VisitUpload", VisitForm, partial=True)


def visits_queryset(qs):
    return qs.select_related("file__unit", "recorded_by").prefetch_related("visitors", "attachments")


def visit_create(request, pk: int, context: dict) -> Response:
    """Record a visit on a file: multipart with `attachments` (photos, PDFs checked by content) or JSON."""
    hfile = file_get_for_user(user=request.user, pk=pk)
    if not can_record_visit(user=request.user, hfile=hfile):
        raise PermissionDenied(_("You cannot record a visit on this file."))
    # Fields left out start as on the visit form (today, the caller as visitor, "no change").
    values = current_values(VisitForm(user=request.user)) | payload(request.data, VisitForm.base_fields)
    form = VisitForm(values, request.FILES, user=request.user)
    data = validate(form)
    visit = visit_record(
        file=hfile,
        by=request.user,
        data=form.service_data(),
        visitors=list(data["visitors"]),
        attachments=data["attachments"],
    )
    visit = visits_queryset(Visit.objects.all()).get(pk=visit.pk)
    return Response(VisitSerializer(visit, context=context).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["visits"])
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Visits to the households in the caller's units."""

    serializer_class = VisitSerializer

    def get_queryset(self):
        qs = visits_queryset(Visit.objects.visible_to(self.user))
        file_pk = self.request.query_params.get("file", "")
        return qs.filter(file_id=int(file_pk)) if file_pk.isdigit() and len(file_pk) < 19 else qs

    def get_object(self) -> Visit:
        visit = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.log_read(visit, visit.file.unit_id)
        return visit


@extend_schema(tags=["visits"])
class AttachmentViewSet(ApiViewSet):
    """A visit's photo or PDF, to whoever sees the visit; always as a download."""

    @extend_schema(responses={(200, kind): OpenApiResponse(OpenApiTypes.BINARY) for kind in sorted(ATTACHMENT_TYPES)})
    def retrieve(self, request, pk: int):
        response = attachment_download(request._request, pk)
        response["Content-Disposition"] = response["Content-Disposition"].replace("inline", "attachment", 1)
        return response
