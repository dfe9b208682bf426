from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.defaults import page_not_found

from feedback import services as feedback_services
from feedback.models import FeedbackEvent
from ingestion.models import Document
from ingestion.selectors import collections_readable_by
from ragapp import selectors, services
from ragapp.forms import EventForm, QuestionForm, VoteForm
from ragapp.models import Conversation, Message


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """JSON for API clients, as every API error is; the usual page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "No such API endpoint."}, status=404)
    return page_not_found(request, exception)


def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers; used by compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@login_required
def chat(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    conversation = None
    if conversation_id is not None:
        conversation = get_object_or_404(Conversation, pk=conversation_id, owner=request.user)
    context = {
        "conversations": selectors.conversations_for(request.user)[:50],
        "conversation": conversation,
        "messages": selectors.messages_of(conversation, user=request.user) if conversation else [],
        "form": QuestionForm(
            initial={"conversation": conversation_id},
            collections=collections_readable_by(request.user),
        ),
    }
    return render(request, "ragapp/chat.html", context)


@require_POST
@login_required
def ask(request: HttpRequest) -> HttpResponse:
    form = QuestionForm(request.POST, collections=collections_readable_by(request.user))
    if not form.is_valid():
        return render(request, "ragapp/partials/question_form.html", {"form": form})
    conversation_id = form.cleaned_data["conversation"]
    if conversation_id:
        conversation = get_object_or_404(Conversation, pk=conversation_id, owner=request.user)
    else:
        conversation = services.start_conversation(
            owner=request.user, title=form.cleaned_data["question"]
        )
    chosen = form.cleaned_data["collections"]
    message = services.answer_question(
        conversation=conversation,
        user=request.user,
        question=form.cleaned_data["question"],
        collection_ids=[c.pk for c in chosen] if chosen else None,
    )
    if not request.htmx:
        return redirect("ragapp:conversation", conversation_id=conversation.pk)
    # The out-of-band conversation id keeps the next question in this conversation.
    context = {"message": message, "oob_conversation": conversation.pk}
    response = render(request, "ragapp/partials/message.html", context)
    response["HX-Push-Url"] = f"/c/{conversation.pk}/"
    return response


@require_POST
@login_required
def vote(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id, conversation__owner=request.user)
    form = VoteForm(request.POST)
    if form.is_valid():
        feedback_services.record_vote(message=message, user=request.user, **form.cleaned_data)
    message.my_votes = list(message.feedback.filter(user=request.user, kind="vote"))
    return render(request, "ragapp/partials/feedback.html", {"message": message, "form": form})


@require_POST
@login_required
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


@require_GET
@login_required
def document_file(request: HttpRequest, document_id: int) -> FileResponse:
    """The current version's original file, for readers of its collection only."""
    document = get_object_or_404(
        Document.objects.select_related("current_version"),
        pk=document_id,
        collection__in=collections_readable_by(request.user),
        current_version__isnull=False,
        retired_at__isnull=True,
    )
    version = document.current_version
    return FileResponse(version.file.open("rb"), filename=version.file.name.rsplit("/", 1)[-1])
