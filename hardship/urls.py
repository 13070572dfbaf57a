from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from dashboard.views import dashboard

handler500 = "hardship.errors.server_error"

admin.site.site_header = _("Hardship administration")
admin.site.site_title = _("Hardship")

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("", include("cases.urls")),
    path("funds/", include("funds.urls")),
    path("visits/", include("visits.urls")),
    path("notifications/", include("notices.urls")),
    path("reports/", include("reports.urls")),
    path("sheets/", include("sheets.urls")),
    path("api/", include("api.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
