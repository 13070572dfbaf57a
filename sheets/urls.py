from django.urls import path

from . import views

app_name = "sheets"

urlpatterns = [
    path("files/", views.export_files, name="export_files"),
    path("aid/", views.export_aid, name="export_aid"),
    path("funds/<int:pk>/statement/", views.export_statement, name="export_statement"),
    path("files/<int:pk>/visits/", views.export_visits, name="export_visits"),
    path("import/", views.import_start, name="import_start"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/status/", views.import_status, name="import_status"),
    path("import/<int:pk>/confirm/", views.import_confirm_page, name="import_confirm"),
]
