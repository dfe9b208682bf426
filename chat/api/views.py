"""REST API for questions. Each view validates, then calls the same service as
the HTML views; permissions come from request.user only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import services
from chat.models import Conversation, Message
from ingestion.selectors import collections_readable_by


class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation = serializers.IntegerField(source="conversation_id")
    kind = serializers.CharField()
    answer = serializers.SerializerMethodField()
    refusal_reason = serializers.CharField(help_text="What a refusal says; empty otherwise.")
    sentences = serializers.JSONField()
    sources = serializers.JSONField()
    generator = serializers.CharField()
    template_version = serializers.CharField()
    total_ms = serializers.FloatField()

    def get_answer(self, message: Message) -> str:
        """The answer as plain text with [n] citations."""
        return " ".join(
            sentence["text"] + "".join(f" [{n}]" for n in sentence["citations"])
            for sentence in message.sentences
        )


class QuestionAskApi(APIView):
    @extend_schema_serializer(component_name="QuestionAskInput")
    class InputSerializer(serializers.Serializer):
        question = serializers.CharField(max_length=2000)
        collections = serializers.ListField(child=serializers.IntegerField(), required=False)
        conversation = serializers.IntegerField(required=False)

    @extend_schema(request=InputSerializer, responses={201: MessageOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = data.validated_data["question"]
        if "conversation" in data.validated_data:
            conversation = get_object_or_404(
                Conversation, pk=data.validated_data["conversation"], owner=request.user
            )
        else:
            conversation = services.start_conversation(owner=request.user, title=question)
        requested = data.validated_data.get("collections")
        if requested is not None:
            readable = set(collections_readable_by(request.user).values_list("id", flat=True))
            if not set(requested) <= readable:
                return Response(
                    {"detail": "Unknown collection, or you may not read it."},
                    status=status.HTTP_404_NOT_FOUND,
                )
        message = services.answer_question(
            conversation=conversation,
            user=request.user,
            question=question,
            collection_ids=requested,
        )
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_201_CREATED)
