from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from accounts.views import LoginView, login_code
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
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/login/code/", login_code, name="login_code"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin logs in through the app's login, so two-factor login holds there too.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True), name="admin_login"),
    path("admin/", admin.site.urls),
]
