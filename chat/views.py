from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from chat import selectors, services
from chat.forms import ConversationRenameForm, QuestionForm
from chat.models import Conversation
from ingestion.models import Document
from ingestion.selectors import collections_readable_by
from providers.limits import rate_limited


@require_GET
@login_required
def chat(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    conversation = None
    if conversation_id is not None:
        conversation = get_object_or_404(Conversation, pk=conversation_id, owner=request.user)
    messages = list(selectors.messages_of(conversation)) if conversation else []
    context = {
        "conversations": selectors.conversations_for(request.user)[:50],
        "conversation": conversation,
        "messages": messages,
        "withheld": selectors.withheld_message_ids(messages=messages, user=request.user),
        "form": QuestionForm(
            initial={"conversation": conversation_id},
            collections=collections_readable_by(request.user),
        ),
    }
    return render(request, "chat/chat.html", context)


@require_POST
@login_required
@rate_limited("ask", template="chat/partials/limit.html")
def ask(request: HttpRequest) -> HttpResponse:
    form = QuestionForm(request.POST, collections=collections_readable_by(request.user))
    if not form.is_valid():
        return render(request, "chat/partials/question_form.html", {"form": form})
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
        return redirect("chat:conversation", conversation_id=conversation.pk)
    # The out-of-band conversation id keeps the next question in this conversation.
    context = {"message": message, "oob_conversation": conversation.pk}
    response = render(request, "chat/partials/message.html", context)
    response["HX-Push-Url"] = f"/c/{conversation.pk}/"
    return response


@require_POST
@login_required
def rename_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(Conversation, pk=conversation_id, owner=request.user)
    form = ConversationRenameForm(request.POST)
    if form.is_valid():
        services.rename_conversation(conversation=conversation, title=form.cleaned_data["title"])
    if not request.htmx:
        return redirect("chat:conversation", conversation_id=conversation.pk)
    context = {"conversation": conversation, "form": form}
    return render(request, "chat/partials/conversation_title.html", context)


@require_POST
@login_required
def delete_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Deletes the conversation with its answers, their traces and feedback."""
    get_object_or_404(Conversation, pk=conversation_id, owner=request.user)
    services.delete_conversations(
        Conversation.objects.filter(pk=conversation_id, owner=request.user)
    )
    if request.htmx:
        return HttpResponseClientRedirect(reverse("chat:chat"))
    return redirect("chat:chat")


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
