from django.urls import path

from . import views

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
]
