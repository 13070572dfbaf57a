"""Holiday condolence batches, under the funds namespace (included by funds/urls.py)."""

from django.urls import path

from . import views_batch as views

urlpatterns = [
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_create_page, name="batch_create"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/sheet/", views.batch_sheet, name="batch_sheet"),
    path("batches/<int:pk>/approve/", views.batch_approve_page, name="batch_approve"),
    path("batches/<int:pk>/close/", views.batch_close_page, name="batch_close"),
    path("batches/<int:pk>/cancel/", views.batch_cancel_page, name="batch_cancel"),
    path("batches/<int:pk>/lines/<int:line_pk>/exclude/", views.line_exclude_page, name="batch_line_exclude"),
    path("batches/<int:pk>/lines/<int:line_pk>/include/", views.line_include_page, name="batch_line_include"),
    path("batches/<int:pk>/lines/<int:line_pk>/deliver/", views.line_deliver_page, name="batch_line_deliver"),
    path("batches/<int:pk>/lines/<int:line_pk>/reverse/", views.line_reverse_page, name="batch_line_reverse"),
]
