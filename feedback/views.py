"""Feedback on an answer from the chat page: the vote partial and implicit events (copies,
citation opens). Users give feedback on answers in their own conversations only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from chat.models import Message
from feedback import services as feedback_services
from feedback.forms import EventForm, VoteForm
from feedback.models import FeedbackEvent
from providers.limits import rate_limited


@require_POST
@login_required
@rate_limited("feedback")
def vote(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id, conversation__owner=request.user)
    form = VoteForm(request.POST)
    if form.is_valid():
        feedback_services.record_vote(message=message, user=request.user, **form.cleaned_data)
    return render(request, "feedback/partials/feedback.html", {"message": message, "form": form})


@require_POST
@login_required
@rate_limited("feedback")
def message_event(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id, conversation__owner=request.user)
    form = EventForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    feedback_services.record_event(
        message=message,
        user=request.user,
        kind=FeedbackEvent.Kind(form.cleaned_data["kind"]),
        detail=form.cleaned_data["detail"],
        copied_characters=form.cleaned_data["copied_characters"],
    )
    return HttpResponse(status=204)
