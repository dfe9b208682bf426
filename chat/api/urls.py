from django.urls import path

from chat.api import conversations, views

urlpatterns = [
    path("questions/", views.QuestionAskApi.as_view(), name="question-ask"),
    path("search/", views.SearchApi.as_view(), name="search"),
    path(
        "conversations/",
        conversations.ConversationListApi.as_view(),
        name="conversation-list",
    ),
    path(
        "conversations/<int:conversation_id>/",
        conversations.ConversationDetailApi.as_view(),
        name="conversation-detail",
    ),
]
