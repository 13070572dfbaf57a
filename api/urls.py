from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from . import token_views
from .views.aid import AidRequestViewSet
from .views.base import NoSuchEndpoint
from .views.files import FileViewSet, MemberViewSet
from .views.inbox import NotificationViewSet, ReportViewSet
from .views.units import UnitViewSet
from .views.visits import AttachmentViewSet, VisitViewSet

app_name = "api"
DOCS_CSP = csp_update({"style-src": ["'unsafe-inline'"]})

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("files", FileViewSet, basename="file")
router.register("members", MemberViewSet, basename="member")
router.register("visits", VisitViewSet, basename="visit")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("aid-requests", AidRequestViewSet, basename="aid-request")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("reports", ReportViewSet, basename="report")

v1 = [
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(urlconf="api.urls_schema"), name="schema"),
    # The documentation pages are static shells (no data); the schema they load needs a signed-in user. Swagger UI
    # and Redoc style their widgets with inline styles, so these two pages alone allow inline *styles*; scripts
    # stay 'self' only, as everywhere.
    path(
        "docs/",
        DOCS_CSP(SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AllowAny])),
        name="docs",
    ),
    path(
        "redoc/",
        DOCS_CSP(SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[AllowAny])),
        name="redoc",
    ),
    re_path(r"", NoSuchEndpoint.as_view(), name="no_such_endpoint"),  # named: the permission matrix walks it
]

urlpatterns = [
    path("v1/", include(v1)),
    path("token/", token_views.token_page, name="token"),
]
