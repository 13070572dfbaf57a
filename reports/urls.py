from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("new/<slug:kind>/", views.report_create, name="report_create"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/status/", views.report_status, name="report_status"),
    path("<int:pk>/download/", views.report_download, name="report_download"),
    path("<int:pk>/again/", views.report_regenerate, name="report_regenerate"),
    path("annual/", views.annual_summary, name="annual_summary"),
    path("annual/finalise/", views.annual_summary_finalise, name="annual_summary_finalise"),
    path("annual/files/", views.annual_files, name="annual_files"),
    path("annual/visits/", views.annual_visits, name="annual_visits"),
    path("annual/aid/", views.annual_aid, name="annual_aid"),
]
