"""The URL conf the schema is generated from: the API's own routes under /api/v1/, nothing else."""

from django.urls import include, path

from .urls import router

urlpatterns = [path("api/v1/", include((router.urls, "api")))]
