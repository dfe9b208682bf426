"""REST API for collections and documents; permissions from request.user only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ingestion import services
from ingestion.models import Collection, Document
from ingestion.selectors import collections_curated_by, collections_readable_by


class CollectionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()


class DocumentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    collection = serializers.IntegerField(source="collection_id")
    title = serializers.CharField()
    source_name = serializers.CharField()
    content_type = serializers.CharField()
    status = serializers.CharField()
    error = serializers.CharField()
    version = serializers.IntegerField(source="current_version.number", allow_null=True)
    updated_at = serializers.DateTimeField()


class CollectionListApi(ListAPIView):
    serializer_class = CollectionOutputSerializer

    def get_queryset(self):
        return collections_readable_by(self.request.user).order_by("name")


@extend_schema(
    parameters=[
        OpenApiParameter(
            "collection",
            str,
            description="Only the documents of the collection with this slug.",
        )
    ]
)
class DocumentListApi(ListAPIView):
    serializer_class = DocumentOutputSerializer

    def get_queryset(self):
        documents = Document.objects.filter(
            collection__in=collections_readable_by(self.request.user)
        ).select_related("current_version")
        if collection := self.request.query_params.get("collection"):
            documents = documents.filter(collection__slug=collection)
        return documents.order_by("title", "id")


class DocumentUploadApi(APIView):
    rate_limit_action = "upload"
    parser_classes = [MultiPartParser]

    @extend_schema_serializer(component_name="DocumentUploadInput")
    class InputSerializer(serializers.Serializer):
        collection = serializers.SlugField(max_length=100)
        file = serializers.FileField(max_length=500)

    @extend_schema(
        request=InputSerializer,
        responses={201: DocumentOutputSerializer, 200: DocumentOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        collection = get_object_or_404(
            Collection.objects.filter(pk__in=collections_curated_by(request.user)),
            slug=data.validated_data["collection"],
        )
        upload = data.validated_data["file"]
        result = services.add_document(
            collection=collection,
            file=upload,
            source_name=upload.name,
            uploaded_by=request.user,
            interactive=True,
        )
        code = status.HTTP_201_CREATED if result.created_version else status.HTTP_200_OK
        return Response(DocumentOutputSerializer(result.document).data, status=code)
