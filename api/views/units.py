"""The units the caller reaches: their own and every unit below, in tree order."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins

from org.scoping import units_visible_to

from ..serializers import UnitSerializer
from .base import ApiViewSet


@extend_schema(tags=["units"])
class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = UnitSerializer

    def get_queryset(self):
        return units_visible_to(self.user)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
