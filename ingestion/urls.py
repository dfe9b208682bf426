from django.urls import path

from ingestion import views

app_name = "ingestion"
urlpatterns = [
    path("documents/<int:pk>/status/", views.document_status, name="document-status"),
]
