from django.urls import path

from ingestion.api import views

urlpatterns = [
    path("collections/", views.CollectionListApi.as_view(), name="collection-list"),
    path("documents/", views.DocumentListApi.as_view(), name="document-list"),
    path("documents/upload/", views.DocumentUploadApi.as_view(), name="document-upload"),
]
