from django.urls import path

from chat.api import views

urlpatterns = [
    path("questions/", views.QuestionAskApi.as_view(), name="question-ask"),
    path("search/", views.SearchApi.as_view(), name="search"),
]
