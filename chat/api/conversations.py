"""REST API for a user's own conversations: list, read, rename, delete. Another user's
conversation is a 404, never a 403: its existence is not disclosed."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors, services
from chat.api.views import MessageOutputSerializer
from chat.models import Conversation, Message

WITHHELD_NOTE = "This answer is hidden: it cites documents you can no longer read."


class ConversationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StoredMessageSerializer(MessageOutputSerializer):
    question = serializers.CharField()
    withheld = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_withheld(self, message: Message) -> bool:
        return message.pk in self.context["withheld"]

    def to_representation(self, message: Message) -> dict:
        data = super().to_representation(message)
        if data["withheld"]:
            data |= {"answer": WITHHELD_NOTE, "sentences": [], "sources": []}
        return data


class ConversationListApi(ListAPIView):
    """The user's own conversations, most recently active first."""

    serializer_class = ConversationOutputSerializer

    def get_queryset(self):
        return selectors.conversations_for(self.request.user)


class ConversationDetailApi(APIView):
    """One URL, three operations on it: read (with its answers), rename, delete."""

    @extend_schema_serializer(component_name="ConversationRenameInput")
    class RenameSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)

    @extend_schema_serializer(component_name="ConversationDetailOutput")
    class DetailSerializer(ConversationOutputSerializer):
        messages = serializers.SerializerMethodField()

        @extend_schema_field(StoredMessageSerializer(many=True))
        def get_messages(self, conversation: Conversation) -> list[dict]:
            messages = list(selectors.messages_of(conversation))
            withheld = selectors.withheld_message_ids(messages=messages, user=self.context["user"])
            return StoredMessageSerializer(messages, many=True, context={"withheld": withheld}).data

    def _own(self, request: Request, conversation_id: int) -> Conversation:
        return get_object_or_404(Conversation, pk=conversation_id, owner=request.user)

    @extend_schema(responses={200: DetailSerializer})
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = self._own(request, conversation_id)
        return Response(self.DetailSerializer(conversation, context={"user": request.user}).data)

    @extend_schema(request=RenameSerializer, responses={200: ConversationOutputSerializer})
    def patch(self, request: Request, conversation_id: int) -> Response:
        conversation = self._own(request, conversation_id)
        data = self.RenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = services.rename_conversation(
            conversation=conversation, title=data.validated_data["title"]
        )
        return Response(ConversationOutputSerializer(conversation).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, conversation_id: int) -> Response:
        conversation = self._own(request, conversation_id)
        services.delete_conversations(Conversation.objects.filter(pk=conversation.pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
