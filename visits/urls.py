from django.urls import path

from . import offline_views, views

app_name = "visits"

urlpatterns = [
    path("", views.my_visits, name="my_visits"),
    path("file/<int:pk>/", views.file_visits, name="file_visits"),
    path("file/<int:pk>/new/", views.visit_create, name="visit_create"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("attachment/<int:pk>/", views.attachment_download, name="attachment"),
    path("flags/", views.flag_list, name="flag_list"),
    path("flags/<int:pk>/handle/", views.flag_handle_page, name="flag_handle"),
    path("compliance/", views.compliance, name="compliance"),
    # The installable app for phones without signal (see offline_views).
    path("manifest.webmanifest", offline_views.manifest, name="offline_manifest"),
    path("sw.js", offline_views.service_worker, name="offline_worker"),
    path("offline/form/", offline_views.offline_form, name="offline_form"),
    path("offline/households/", offline_views.households, name="offline_households"),
    path("offline/sync/", offline_views.sync, name="offline_sync"),
    path("offline/conflicts/<int:pk>/", offline_views.conflict_resolve_view, name="offline_conflict_resolve"),
]
