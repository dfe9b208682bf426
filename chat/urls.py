from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.chat, name="chat"),
    path("c/<int:conversation_id>/", views.chat, name="conversation"),
    path("ask/", views.ask, name="ask"),
    path("conversations/", views.conversation_list, name="conversation-list"),
    path("documents/<int:document_id>/read/", views.reader, name="reader"),
    path("c/<int:conversation_id>/rename/", views.rename_conversation, name="conversation-rename"),
    path("c/<int:conversation_id>/delete/", views.delete_conversation, name="conversation-delete"),
    path("documents/<int:document_id>/file/", views.document_file, name="document-file"),
]
