from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("messages/<int:message_id>/vote/", views.vote, name="message-vote"),
    path("messages/<int:message_id>/events/", views.message_event, name="message-event"),
]
