from django.urls import path

from . import views
from .urls_batch import urlpatterns as batch_urlpatterns

app_name = "funds"

urlpatterns = [
    path("", views.fund_list, name="fund_list"),
    path("<int:pk>/", views.fund_detail, name="fund_detail"),
    path("<int:pk>/allocate/", views.fund_allocate_page, name="fund_allocate"),
    path("<int:pk>/transfer/", views.fund_transfer_page, name="fund_transfer"),
    path("<int:pk>/budget/", views.fund_budget, name="fund_budget"),
    path("<int:pk>/transactions/<int:txn_pk>/reverse/", views.transaction_reverse_page, name="transaction_reverse"),
    path("<int:pk>/years/<int:year>/", views.fund_reconciliation, name="fund_reconciliation"),
    path("aid/", views.aid_list, name="aid_list"),
    path("aid/approvals/", views.aid_queue, name="aid_queue"),
    path("aid/new/", views.aid_create, name="aid_create"),
    path("aid/<int:pk>/", views.aid_detail, name="aid_detail"),
    path("aid/<int:pk>/edit/", views.aid_update, name="aid_update"),
    path("aid/<int:pk>/submit/", views.aid_submit, name="aid_submit"),
    path("aid/<int:pk>/decide/<str:action>/", views.aid_decide, name="aid_decide"),
    path("aid/<int:pk>/pay/", views.aid_pay, name="aid_pay"),
    path("aid/<int:pk>/reverse/", views.aid_reverse, name="aid_reverse"),
    path("aid/<int:pk>/receipt/", views.aid_receipt, name="aid_receipt"),
    path("aid/<int:pk>/evidence/", views.aid_evidence_add, name="aid_evidence_add"),
    path("aid/<int:pk>/evidence/<int:doc_pk>/remove/", views.aid_evidence_remove, name="aid_evidence_remove"),
    path("aid/documents/<int:pk>/", views.aid_document_download, name="aid_document"),
]
urlpatterns += batch_urlpatterns
