from django.urls import path

from . import access_views, notice_views, relief_views, review_views, views
from .duplicates import views as duplicate_views
from .transfer import views as transfer_views

app_name = "cases"

urlpatterns = [
    path("files/", views.file_list, name="file_list"),
    path("files/new/", views.file_create, name="file_create"),
    path("files/<int:pk>/", views.file_detail, name="file_detail"),
    path("files/<int:pk>/edit/", views.file_update, name="file_update"),
    path("files/<int:pk>/history/", views.file_history_page, name="file_history"),
    path("files/<int:pk>/access/", access_views.file_access_log, name="file_access_log"),
    path("files/<int:pk>/plan/", views.plan_edit, name="plan_edit"),
    path("files/<int:pk>/tier/", views.file_tier, name="file_tier"),
    path("files/<int:pk>/step/<slug:action>/", views.file_transition_page, name="file_transition"),
    path("notices/", notice_views.notice_list, name="notice_list"),
    path("notices/new/", notice_views.notice_new, name="notice_create"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice_detail"),
    path("files/<int:pk>/objections/new/", notice_views.objection_new, name="objection_create"),
    path("objections/<int:pk>/decide/", notice_views.objection_decide_page, name="objection_decide"),
    path("reviews/", review_views.review_list, name="review_list"),
    path("reviews/overdue/", review_views.review_overdue, name="review_overdue"),
    path("files/<int:pk>/review/", review_views.review_create, name="review_create"),
    path("files/<int:pk>/relief/propose/", relief_views.relief_propose_page, name="relief_propose"),
    path("files/<int:pk>/relief/decide/", relief_views.relief_decide_page, name="relief_decide"),
    path("files/<int:pk>/convert/", relief_views.file_convert_page, name="file_convert"),
    path("files/<int:pk>/transfer/", transfer_views.transfer_create, name="transfer_create"),
    path("files/<int:pk>/duplicates/", duplicate_views.file_duplicates, name="file_duplicates"),
    path("files/<int:pk>/merge/", duplicate_views.file_merge_page, name="file_merge"),
    path("transfers/", transfer_views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", transfer_views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/accept/", transfer_views.transfer_accept_page, name="transfer_accept"),
    path("transfers/<int:pk>/refuse/", transfer_views.transfer_refuse_page, name="transfer_refuse"),
    path("transfers/<int:pk>/withdraw/", transfer_views.transfer_cancel_page, name="transfer_cancel"),
]
