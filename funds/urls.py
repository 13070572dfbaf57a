from django.urls import path

from . import views

app_name = "funds"

urlpatterns = [
    path("", views.fund_list, name="fund_list"),
    path("<int:pk>/", views.fund_detail, name="fund_detail"),
    path("<int:pk>/allocate/", views.fund_allocate_page, name="fund_allocate"),
    path("<int:pk>/transfer/", views.fund_transfer_page, name="fund_transfer"),
    path("<int:pk>/transactions/<int:txn_pk>/reverse/", views.transaction_reverse_page, name="transaction_reverse"),
    path("<int:pk>/years/<int:year>/", views.fund_reconciliation, name="fund_reconciliation"),
]
