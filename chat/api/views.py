"""REST API for questions. Each view validates, then calls the same service as
the HTML views; permissions come from request.user only."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors, services
from chat.forms import MAX_ID
from chat.models import Conversation, Message
from chat.selectors import Passage
from ingestion.selectors import collections_readable_by
from providers.limits import LimitExceeded


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
    rate_limit_action = "ask"

    @extend_schema_serializer(component_name="QuestionAskInput")
    class InputSerializer(serializers.Serializer):
        question = serializers.CharField(
            max_length=2000, validators=[RegexValidator(r"\S", "Ask something.")]
        )
        collections = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            required=False,
            max_length=100,
        )
        conversation = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    @extend_schema(request=InputSerializer, responses={201: MessageOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = data.validated_data["question"]
        # Every check before the first write: a refused request leaves no empty conversation.
        requested = data.validated_data.get("collections")
        if requested is not None:
            readable = set(collections_readable_by(request.user).values_list("id", flat=True))
            if not set(requested) <= readable:
                return Response(
                    {"detail": "Unknown collection, or you may not read it."},
                    status=status.HTTP_404_NOT_FOUND,
                )
        if "conversation" in data.validated_data:
            conversation = get_object_or_404(
                Conversation, pk=data.validated_data["conversation"], owner=request.user
            )
        else:
            conversation = services.start_conversation(owner=request.user, title=question)
        try:
            message = services.answer_question(
                conversation=conversation,
                user=request.user,
                question=question,
                collection_ids=requested,
            )
        except LimitExceeded as exc:
            raise Throttled(wait=exc.retry_after, detail=str(exc)) from exc
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_201_CREATED)


class PassageOutputSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField(source="result.score", help_text="Fused rank score.")
    dense_similarity = serializers.FloatField(source="result.dense_similarity", allow_null=True)
    keyword_score = serializers.FloatField(source="result.keyword_score", allow_null=True)
    chunk_id = serializers.IntegerField(source="result.chunk.pk")
    document_id = serializers.IntegerField(source="result.chunk.document_id")
    document_title = serializers.CharField(source="result.chunk.document.title")
    label = serializers.CharField(help_text="Document, section and pages.")
    section = serializers.SerializerMethodField()
    pages = serializers.SerializerMethodField()
    text = serializers.CharField(source="result.chunk.text")
    highlight = serializers.CharField(help_text="The passage's sentence that best matches.")
    highlights = serializers.SerializerMethodField(
        help_text="Offsets [start, end] of the highlight in `text`."
    )
    reader_url = serializers.SerializerMethodField()

    def get_section(self, passage: Passage) -> str:
        return passage.result.chunk.metadata.get("section", "")

    def get_pages(self, passage: Passage) -> list[int]:
        return passage.result.chunk.metadata.get("pages", [])

    def get_highlights(self, passage: Passage) -> list[list[int]]:
        spans, position = [], 0
        for text, is_quote in passage.segments:
            if is_quote:
                spans.append([position, position + len(text)])
            position += len(text)
        return spans

    def get_reader_url(self, passage: Passage) -> str:
        chunk = passage.result.chunk
        query = urlencode({"chunk": chunk.pk, "quote": passage.highlight})
        return f"{reverse('chat:reader', args=[chunk.document_id])}?{query}#quote"


class SearchApi(APIView):
    """Ranked passages for a query, with scores and highlights, without composing an answer."""

    @extend_schema_serializer(component_name="SearchInput")
    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(
            max_length=2000,
            # As the question's: the schema says a blank query (spaces, control whitespace such
            # as \x1d, which the field strips) is not one.
            validators=[RegexValidator(r"\S", "Search for something.")],
            help_text="What to search for.",
        )
        collections = serializers.ListField(child=serializers.IntegerField(), required=False)
        k = serializers.IntegerField(min_value=1, max_value=50, default=10)

    @extend_schema(
        parameters=[InputSerializer], responses={200: PassageOutputSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        data = self.InputSerializer(
            data={
                "q": request.query_params.get("q", ""),
                "k": request.query_params.get("k", 10),
                **(
                    {"collections": request.query_params.getlist("collections")}
                    if "collections" in request.query_params
                    else {}
                ),
            }
        )
        data.is_valid(raise_exception=True)
        passages = selectors.search_passages(
            user=request.user,
            query=data.validated_data["q"],
            collection_ids=data.validated_data.get("collections"),
            k=data.validated_data["k"],
        )
        return Response(PassageOutputSerializer(passages, many=True).data)
