from django.urls import path

from feedback.api import views

urlpatterns = [
    path(
        "messages/<int:message_id>/feedback/",
        views.FeedbackCreateApi.as_view(),
        name="feedback-create",
    ),
]
