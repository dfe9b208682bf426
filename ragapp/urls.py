from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from chat.api.urls import urlpatterns as chat_api
from feedback.api.urls import urlpatterns as feedback_api
from ingestion.api.urls import urlpatterns as ingestion_api
from ragapp import views

handler404 = "ragapp.views.not_found"

# One API namespace ("api:question-ask"), its endpoints owned by the apps.
api_patterns = ([*chat_api, *feedback_api, *ingestion_api], "api")

urlpatterns = [
    path("", include("chat.urls")),
    path("", include("feedback.urls")),
    path("", include("evaluation.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include(api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz/", views.healthz, name="healthz"),
    path("ingestion/", include("ingestion.urls")),
    # The chat's admin pages were under /admin/ragapp/ before the chat became its own app.
    re_path(
        r"^admin/ragapp/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/chat/%(rest)s", permanent=True, query_string=True),
    ),
    path("admin/", admin.site.urls),
]
# Uploaded files are never served from MEDIA_URL: readers get them through chat:document-file,
# which checks their permission.
