"""Hardship files and their members: the file list's filters, the card's form, the cases services."""

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from audit.access import Action, record_access
from cases.filters import FileFilter
from cases.forms import HardshipFileForm, MemberForm, MemberFormSet
from cases.models import FileCause, HardshipFile, Member
from cases.selectors import file_get_for_user, file_list_for_user, file_permissions, unit_choices_for_create
from cases.services import file_save
from org.scoping import units_visible_to

from ..errors import NON_FIELD, form_errors
from ..forms import current_values, form_serializer, payload, validate
from ..serializers import FileDetailSerializer, FileListSerializer, MemberSerializer
from ..serializers_work import VisitSerializer
from .base import ApiViewSet
from .visits import VisitUpload, VisitWrite, visit_create, visits_queryset

FileWrite = form_serializer("FileWrite", HardshipFileForm)
FilePatch = form_serializer("FilePatch", HardshipFileForm, exclude=("unit", "kind"), partial=True)
MemberWrite = form_serializer("MemberWrite", MemberForm)
MemberPatch = form_serializer("MemberPatch", MemberForm, partial=True)
FILTERS = [
    OpenApiParameter("status", str, description="A status, `all`, or empty for the active caseload."),
    OpenApiParameter("kind", str, enum=["formal", "temporary"]),
    OpenApiParameter("tier", int),
    OpenApiParameter("cause", int),
    OpenApiParameter("unit", int, description="A unit and the units below it."),
    OpenApiParameter("review", str, enum=["overdue", "soon"]),
]


class FileSearch(serializers.Serializer):
    """The body of POST files/search/: a name or ID number, and the list's filters."""

    q = serializers.CharField(help_text="Name, or the start of an ID number.")
    status = serializers.CharField(required=False, help_text="A status, `all`, or empty for the active caseload.")
    kind = serializers.ChoiceField(choices=["formal", "temporary"], required=False)
    tier = serializers.IntegerField(required=False)
    cause = serializers.IntegerField(required=False)
    unit = serializers.IntegerField(required=False, help_text="A unit and the units below it.")
    review = serializers.ChoiceField(choices=["overdue", "soon"], required=False)


def detail_queryset(qs):
    causes = FileCause.objects.order_by("-is_primary", "pk")
    return qs.select_related("unit").prefetch_related("members", Prefetch("file_causes", queryset=causes))


def _causes(hfile: HardshipFile) -> tuple[list, object]:
    rows = list(hfile.file_causes.select_related("cause"))
    return [fc.cause for fc in rows], next((fc.cause for fc in rows if fc.is_primary), None)


def _require_edit(user, hfile: HardshipFile) -> None:
    if not file_permissions(user=user, hfile=hfile).can_edit:
        raise PermissionDenied(_("You may not change this file in its current state."))


@extend_schema(tags=["files"])
class FileViewSet(mixins.ListModelMixin, ApiViewSet):
    """Hardship files in the caller's units; out of scope is 404, the same as nonexistent."""

    serializer_class = FileListSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return file_list_for_user(user=self.user)

    def get_serializer_class(self):
        return FileListSerializer if self.action == "list" else FileDetailSerializer

    def _detail(self, pk: int) -> HardshipFile:
        return get_object_or_404(detail_queryset(self.get_queryset()), pk=pk)

    def filter_queryset(self, queryset):
        if self.action == "list":
            if self.request.query_params.get("q", "").strip():
                # A name or an ID number in a URL stays in proxy and server logs: it goes in a POST body.
                refusal = _("Search by name or ID number with POST files/search/, not in the URL.")
                raise ValidationError({"q": [refusal]})
            return self._filtered(queryset, self.request.query_params)
        if self.action == "search":
            return self._filtered(queryset, self.request.data)
        return queryset

    def _filtered(self, queryset, params):
        filterset = FileFilter(params or None, queryset=queryset, user=self.user)
        if filterset.is_bound and not filterset.is_valid():
            raise ValidationError(form_errors(filterset.form))
        primary = FileCause.objects.filter(file=OuterRef("pk"), is_primary=True).values("cause_id")[:1]
        return filterset.qs.select_related("unit").annotate(primary_cause_id=Subquery(primary))

    @extend_schema(parameters=FILTERS)
    def list(self, request, *args, **kwargs):
        """The files, filtered; a search by name or ID number is a POST to files/search/."""
        record_access(request, None, Action.API, object_type="cases.hardshipfile")
        return super().list(request, *args, **kwargs)

    @extend_schema(request=FileSearch, responses=FileListSerializer(many=True))
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def search(self, request) -> Response:
        """Files by name or the start of an ID number, sent in the body so it never appears in a URL.

        The next page is the same POST to the `next` address.
        """
        wanted = request.data.get("q", "") if isinstance(request.data, dict) else ""
        if not str(wanted).strip():
            raise ValidationError({"q": [_("Give a name or the start of an ID number.")]})
        return self.list(request)

    def retrieve(self, request, pk: int) -> Response:
        hfile = self._detail(pk)
        self.log_read(hfile, hfile.unit_id)
        return Response(FileDetailSerializer(hfile, context=self.get_serializer_context()).data)

    @extend_schema(request=FileWrite, responses={201: FileDetailSerializer})
    def create(self, request) -> Response:
        if not unit_choices_for_create(user=self.user):
            raise PermissionDenied(_("Your role does not allow opening files."))
        # Fields left out take the values the card page starts with (the model's defaults).
        values = current_values(HardshipFileForm(user=self.user))
        values.update(payload(request.data, HardshipFileForm.base_fields))
        form = HardshipFileForm(values, user=self.user)
        data = validate(form)
        hfile = file_save(
            by=self.user,
            unit=units_visible_to(self.user).get(pk=data["unit"]),
            data=form.service_data(),
            causes=list(data["causes"]),
            primary_cause=data["primary_cause"],
            members=[],
        )
        body = FileDetailSerializer(self._detail(hfile.pk), context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=FilePatch, responses=FileDetailSerializer)
    def partial_update(self, request, pk: int) -> Response:
        hfile = file_get_for_user(user=self.user, pk=pk)
        _require_edit(self.user, hfile)
        values = current_values(HardshipFileForm(instance=hfile, user=self.user))
        values.update(payload(request.data, HardshipFileForm.base_fields))
        form = HardshipFileForm(values, instance=hfile, user=self.user)
        data = validate(form)
        file_save(
            by=self.user,
            hfile=hfile,
            data=form.service_data(),
            causes=list(data["causes"]),
            primary_cause=data["primary_cause"],
            members=[],
        )
        return Response(FileDetailSerializer(self._detail(pk), context=self.get_serializer_context()).data)

    @extend_schema(responses=MemberSerializer(many=True), request=None, methods=["GET"])
    @extend_schema(request=MemberWrite, responses={201: MemberSerializer}, methods=["POST"])
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def members(self, request, pk: int) -> Response:
        hfile = file_get_for_user(user=self.user, pk=pk)
        context = {**self.get_serializer_context(), "unit": hfile.unit}
        if request.method == "GET":
            self.log_read(hfile, hfile.unit_id)
            return Response(MemberSerializer(hfile.members.all(), many=True, context=context).data)
        _require_edit(self.user, hfile)
        before = set(hfile.members.values_list("pk", flat=True))
        member_change(hfile, self.user, values=payload(request.data, MemberForm.base_fields))
        member = hfile.members.exclude(pk__in=before).get()
        return Response(MemberSerializer(member, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=VisitSerializer(many=True), tags=["visits"])
    @extend_schema(
        methods=["POST"],
        request={"application/json": VisitWrite, "multipart/form-data": VisitUpload},
        responses={201: VisitSerializer},
        tags=["visits"],
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[JSONParser, MultiPartParser])
    def visits(self, request, pk: int) -> Response:
        """The household's visits, newest first; POST records one (the visit form's rules, `visit_record`)."""
        if request.method == "POST":
            return visit_create(request, pk, self.get_serializer_context())
        hfile = file_get_for_user(user=self.user, pk=pk)
        self.log_read(hfile, hfile.unit_id)
        return self.paged(visits_queryset(hfile.visits.all()), VisitSerializer)


def member_change(hfile: HardshipFile, by, *, pk: int | None = None, values=None, delete: bool = False) -> None:
    """Add, change or remove one member through the card's own members formset and `file_save`.

    The formset holds every member of the household, as the card page's does, so its checks (two members
    with one ID number, at most 20 members) hold here too.
    """
    values = {name: value for name, value in (values or {}).items() if name in MemberForm.base_fields}
    existing = list(hfile.members.all())
    rows = [current_values(MemberForm(instance=m)) | {"id": m.pk} for m in existing]
    for row, member in zip(rows, existing, strict=True):
        if member.pk == pk:
            row.update(values)
            row["DELETE"] = "on" if delete else ""
    if pk is None:
        rows.append(current_values(MemberForm()) | values)
    data = {"members-TOTAL_FORMS": len(rows), "members-INITIAL_FORMS": len(existing)}
    for index, row in enumerate(rows):
        data.update({f"members-{index}-{name}": ("" if v is None else v) for name, v in row.items()})
    formset = MemberFormSet(data, instance=hfile, prefix="members")
    if not formset.is_valid():
        raise ValidationError(_formset_errors(formset, target=len(existing) if pk is None else None, pk=pk))
    causes, primary = _causes(hfile)
    file_save(by=by, hfile=hfile, data={}, causes=causes, primary_cause=primary, members=formset.service_rows())


def _formset_errors(formset, *, target: int | None, pk: int | None) -> dict:
    errors: dict[str, list[str]] = {}
    for index, form in enumerate(formset.forms):
        mine = index == target or (pk is not None and form.instance.pk == pk)
        for name, messages in form_errors(form).items():
            errors.setdefault(name if mine else NON_FIELD, []).extend(messages)
    if formset.non_form_errors():
        errors.setdefault(NON_FIELD, []).extend(formset.non_form_errors())
    return errors


@extend_schema(tags=["files"])
class MemberViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    """One household member; changes go through the card's members formset and `file_save`."""

    serializer_class = MemberSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Member.objects.visible_to(self.user).select_related("file__unit")

    def get_object(self) -> Member:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def retrieve(self, request, pk: int) -> Response:
        member = self.get_object()
        self.log_read(member, member.file.unit_id, file_id=member.file_id)
        return Response(MemberSerializer(member, context=self.get_serializer_context()).data)

    @extend_schema(request=MemberPatch, responses=MemberSerializer)
    def partial_update(self, request, pk: int) -> Response:
        member = self.get_object()
        _require_edit(self.user, member.file)
        member_change(member.file, self.user, pk=member.pk, values=payload(request.data, MemberForm.base_fields))
        return Response(MemberSerializer(self.get_object(), context=self.get_serializer_context()).data)

    def destroy(self, request, pk: int) -> Response:
        member = self.get_object()
        _require_edit(self.user, member.file)
        member_change(member.file, self.user, pk=member.pk, delete=True)
        return Response(status=status.HTTP_204_NO_CONTENT)
