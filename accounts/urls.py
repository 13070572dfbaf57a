from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("sessions/end-others/", views.session_end_others, name="session_end_others"),
    path("two-factor/", views.two_factor, name="two_factor"),
]
