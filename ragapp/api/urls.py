from django.urls import path

from ingestion.api import views as ingestion_views
from ragapp.api import views

app_name = "api"
urlpatterns = [
    path("questions/", views.QuestionAskApi.as_view(), name="question-ask"),
    path(
        "messages/<int:message_id>/feedback/",
        views.FeedbackCreateApi.as_view(),
        name="feedback-create",
    ),
    path("collections/", ingestion_views.CollectionListApi.as_view(), name="collection-list"),
    path("documents/", ingestion_views.DocumentListApi.as_view(), name="document-list"),
    path("documents/upload/", ingestion_views.DocumentUploadApi.as_view(), name="document-upload"),
]
