from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ragapp import dashboard, views

chat_patterns = (
    [
        path("", views.chat, name="chat"),
        path("c/<int:conversation_id>/", views.chat, name="conversation"),
        path("ask/", views.ask, name="ask"),
        path("messages/<int:message_id>/vote/", views.vote, name="message-vote"),
        path("messages/<int:message_id>/events/", views.message_event, name="message-event"),
        path("documents/<int:document_id>/file/", views.document_file, name="document-file"),
        path("ops/", dashboard.dashboard, name="dashboard"),
        path("ops/runs/<int:run_id>/", dashboard.eval_run, name="dashboard-run"),
        path("ops/golden-sets/<int:golden_set_id>/run/", dashboard.start_run, name="start-run"),
        path(
            "ops/alerts/<int:alert_id>/acknowledge/",
            dashboard.acknowledge_alert,
            name="alert-acknowledge",
        ),
    ],
    "ragapp",
)

handler404 = "ragapp.views.not_found"

urlpatterns = [
    path("", include(chat_patterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("ragapp.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz/", views.healthz, name="healthz"),
    path("ingestion/", include("ingestion.urls")),
    path("admin/", admin.site.urls),
]
# Uploaded files are never served from MEDIA_URL: readers get them through document-file,
# which checks their permission.
