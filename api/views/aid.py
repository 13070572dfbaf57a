"""Aid requests and their decisions through the funds services: the same rules, the same separation of duties.

Nobody decides on a request they made or submitted, nor on a household they help; only the level's approver
(or a chair's delegate) decides; only a manager of the fund pays. Each refusal is the service's own.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cases.models import HardshipFile
from funds.forms import AidRequestForm, DecisionForm, PayForm
from funds.models import AidDecision, AidRequest
from funds.selectors import aid_list_for_user, approval_queue_for_user, request_funds_for_user
from funds.services import aid_request_create, aid_request_decide, aid_request_pay, aid_request_submit
from funds.services import aid_request_update as aid_update
from funds.services.guards import may_request
from funds.workflow import EDITABLE_STATUSES, REQUEST_ROLES, AidAction, AidStatus
from org.scoping import scope_for

from ..forms import current_values, form_serializer, payload, validate
from ..serializers_work import AidRequestDetailSerializer, AidRequestSerializer
from .base import ApiViewSet

AidWrite = form_serializer(
    "AidWrite", AidRequestForm, extra={"file": serializers.IntegerField(help_text="The household's file id.")}
)
AidPatch = form_serializer("AidPatch", AidRequestForm, partial=True)
Decision = form_serializer("Decision", DecisionForm)
Pay = form_serializer("Pay", PayForm)
LIST_RELATED = ("file", "aid_type", "fund", "created_by")


def _form(user, hfile: HardshipFile, values: dict | None, **kwargs) -> AidRequestForm:
    funds = request_funds_for_user(user=user, hfile=hfile)
    return AidRequestForm(values, funds=funds, members=hfile.members.all(), **kwargs)


def _file_from_body(user, data) -> HardshipFile:
    """The household named in the body; one outside the caller's units is a field error, like a bad id."""
    value = str(data.get("file", "")) if isinstance(data, dict) or hasattr(data, "get") else ""
    hfile = None
    if value.isdigit() and len(value) < 19:
        hfile = HardshipFile.objects.visible_to(user).select_related("unit").filter(pk=int(value)).first()
    if hfile is None:
        raise ValidationError({"file": [_("Choose a household of your units.")]})
    return hfile


@extend_schema(tags=["aid"])
class AidRequestViewSet(mixins.ListModelMixin, ApiViewSet):
    """Aid requests of the households in the caller's units."""

    serializer_class = AidRequestSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return aid_list_for_user(user=self.user).select_related(*LIST_RELATED)

    def _detail(self, pk: int) -> AidRequest:
        decisions = AidDecision.objects.select_related("actor", "on_behalf_of").order_by("at", "pk")
        qs = (
            self.get_queryset()
            .select_related("file__unit")
            .prefetch_related("invoices", Prefetch("decisions", queryset=decisions))
        )
        return get_object_or_404(qs, pk=pk)

    def _respond(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        body = AidRequestDetailSerializer(self._detail(pk), context=self.get_serializer_context()).data
        return Response(body, status=code)

    def filter_queryset(self, queryset):
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in AidStatus.values:
            raise ValidationError({"status": [_("Choose a status from the list.")]})
        return queryset.filter(status=wanted) if wanted else queryset

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=AidStatus.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=AidRequestDetailSerializer)
    def retrieve(self, request, pk: int) -> Response:
        aid = self._detail(pk)
        self.log_read(aid, aid.file.unit_id)
        return Response(AidRequestDetailSerializer(aid, context=self.get_serializer_context()).data)

    @extend_schema(request=AidWrite, responses={201: AidRequestDetailSerializer})
    def create(self, request) -> Response:
        if not scope_for(self.user).has_role(*REQUEST_ROLES):
            raise PermissionDenied(_("Your role does not allow asking for aid."))
        hfile = _file_from_body(self.user, request.data)
        form = _form(self.user, hfile, payload(request.data, AidRequestForm.base_fields))
        validate(form)
        aid = aid_request_create(hfile=hfile, data=form.to_data(), by=self.user)
        return self._respond(aid.pk, status.HTTP_201_CREATED)

    @extend_schema(request=AidPatch, responses=AidRequestDetailSerializer)
    def partial_update(self, request, pk: int) -> Response:
        aid = self._detail(pk)
        if aid.status not in EDITABLE_STATUSES or not may_request(user=self.user, hfile=aid.file):
            raise PermissionDenied(_("This request cannot be changed by you now."))
        unbound = _form(self.user, aid.file, None, initial=AidRequestForm.initial_for(aid))
        values = current_values(unbound) | payload(request.data, AidRequestForm.base_fields)
        form = _form(self.user, aid.file, values)
        validate(form)
        aid_update(request=aid, data=form.to_data(), by=self.user)
        return self._respond(pk)

    @extend_schema(request=None, responses=AidRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk: int) -> Response:
        aid_request_submit(request=self._detail(pk), by=self.user)
        return self._respond(pk)

    def _decide(self, request, pk: int, decision: str) -> Response:
        aid = self._detail(pk)
        comment = validate(DecisionForm(payload(request.data, DecisionForm.base_fields)))["comment"]
        aid_request_decide(request=aid, action=decision, by=self.user, comment=comment)
        return self._respond(pk)

    @extend_schema(request=Decision, responses=AidRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk: int) -> Response:
        return self._decide(request, pk, AidAction.APPROVE)

    @extend_schema(request=Decision, responses=AidRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk: int) -> Response:
        return self._decide(request, pk, AidAction.REJECT)

    @extend_schema(request=Decision, responses=AidRequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk: int) -> Response:
        """Return the request to its requester for correction (a reason is required)."""
        return self._decide(request, pk, AidAction.RETURN)

    @extend_schema(request=Pay, responses=AidRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk: int) -> Response:
        """Pay an approved request; the same `key` again pays nothing more (a retried call is safe)."""
        aid = self._detail(pk)
        key = validate(PayForm(payload(request.data, PayForm.base_fields)))["key"]
        aid_request_pay(request=aid, by=self.user, idempotency_key=key)
        return self._respond(pk)

    @extend_schema(responses=AidRequestSerializer(many=True))
    @action(detail=False, methods=["get"])
    def queue(self, request) -> Response:
        """Requests waiting for the caller's decision (their own and their households' left out)."""
        qs = approval_queue_for_user(user=self.user).select_related(*LIST_RELATED)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(
            AidRequestSerializer(page, many=True, context=self.get_serializer_context()).data
        )
