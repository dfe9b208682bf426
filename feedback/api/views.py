"""REST API for feedback on an answer: votes, copies, citation opens. Permissions come from
request.user only: a user gives feedback on answers in their own conversations."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.models import Message
from feedback import services as feedback_services
from feedback.models import FeedbackEvent


class FeedbackCreateApi(APIView):
    rate_limit_action = "feedback"

    @extend_schema_serializer(component_name="FeedbackCreateInput")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=FeedbackEvent.Kind.choices)
        rating = serializers.ChoiceField(choices=FeedbackEvent.Rating.choices, required=False)
        reason = serializers.ChoiceField(choices=FeedbackEvent.Reason.choices, required=False)
        comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        detail = serializers.CharField(max_length=50, required=False, allow_blank=True)
        copied_characters = serializers.IntegerField(
            min_value=0, max_value=FeedbackEvent.MAX_COPIED_CHARACTERS, required=False
        )

        def validate(self, attrs: dict) -> dict:
            if attrs["kind"] == FeedbackEvent.Kind.VOTE and "rating" not in attrs:
                raise serializers.ValidationError({"rating": "A vote needs a rating: 1 or -1."})
            return attrs

    @extend_schema_serializer(component_name="FeedbackCreateOutput")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.CharField()
        rating = serializers.IntegerField(allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, message_id: int) -> Response:
        message = get_object_or_404(Message, pk=message_id, conversation__owner=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if fields["kind"] == FeedbackEvent.Kind.VOTE:
            event = feedback_services.record_vote(
                message=message,
                user=request.user,
                rating=fields["rating"],
                reason=fields.get("reason", ""),
                comment=fields.get("comment", ""),
            )
        else:
            event = feedback_services.record_event(
                message=message,
                user=request.user,
                kind=fields["kind"],
                detail=fields.get("detail", ""),
                copied_characters=fields.get("copied_characters"),
            )
        return Response(self.OutputSerializer(event).data, status=status.HTTP_201_CREATED)
