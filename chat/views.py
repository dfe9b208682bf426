from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, reswap, retarget

import audit.services as audit
from chat import selectors, services
from chat.forms import ConversationRenameForm, QuestionForm
from chat.models import Conversation, Message
from chat.reading import ReaderChunk, quoted_sentence, reader_blocks
from ingestion import originals
from ingestion.selectors import collections_readable_by
from providers.limits import rate_limited

SIDEBAR_SIZE = 50


@require_GET
@login_required
def chat(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    conversation = None
    if conversation_id is not None:
        conversation = get_object_or_404(Conversation, pk=conversation_id, owner=request.user)
    query = request.GET.get("q", "").strip()
    messages = list(selectors.messages_of(conversation)) if conversation else []
    context = {
        "conversations": selectors.conversations_matching(request.user, query=query)[:SIDEBAR_SIZE],
        "query": query,
        "conversation": conversation,
        "collections": selectors.collections_overview(request.user),
        "messages": messages,
        "withheld": selectors.withheld_message_ids(messages=messages, user=request.user),
        "form": QuestionForm(
            initial={"conversation": conversation_id},
            collections=collections_readable_by(request.user),
        ),
        "can_regenerate": len(settings.ANSWER_VARIANTS) > 1,
    }
    return render(request, "chat/chat.html", context)


@require_GET
@login_required
def conversation_list(request: HttpRequest) -> HttpResponse:
    """The sidebar's list, filtered by the search box."""
    query = request.GET.get("q", "").strip()
    conversations = selectors.conversations_matching(request.user, query=query)[:SIDEBAR_SIZE]
    context = {"conversations": conversations, "query": query}
    return render(request, "chat/partials/conversation_list.html", context)


@require_POST
@login_required
@rate_limited("ask", template="chat/partials/limit.html")
def ask(request: HttpRequest) -> HttpResponse:
    form = QuestionForm(request.POST, collections=collections_readable_by(request.user))
    if not form.is_valid():
        # Refused in place: the form replaces itself with its errors, never lands in the thread.
        response = render(request, "chat/partials/question_form.html", {"form": form})
        return reswap(retarget(response, "#question-form"), "outerHTML")
    chosen = form.cleaned_data["collections"]
    collection_ids = [c.pk for c in chosen] if chosen else None
    if form.cleaned_data["search_only"]:
        passages = selectors.search_passages(
            user=request.user, query=form.cleaned_data["question"], collection_ids=collection_ids
        )
        context = {
            "query": form.cleaned_data["question"],
            "passages": passages,
            "search_id": f"search-{uuid.uuid4().hex[:8]}",
        }
        return render(request, "chat/partials/search_results.html", context)
    conversation_id = form.cleaned_data["conversation"]
    if conversation_id:
        conversation = get_object_or_404(Conversation, pk=conversation_id, owner=request.user)
    else:
        conversation = services.start_conversation(
            owner=request.user, title=form.cleaned_data["question"]
        )
    message = services.answer_question(
        conversation=conversation,
        user=request.user,
        question=form.cleaned_data["question"],
        collection_ids=collection_ids,
        variant=_next_variant(request, form.cleaned_data["regenerate"]),
    )
    if not request.htmx:
        return redirect("chat:conversation", conversation_id=conversation.pk)
    context = {
        "message": message,
        "conversation": conversation,
        # Out of band: the sidebar, and the conversation id that keeps the next question here.
        "oob": True,
        "conversations": selectors.conversations_for(request.user)[:SIDEBAR_SIZE],
        "can_regenerate": len(settings.ANSWER_VARIANTS) > 1,
    }
    response = render(request, "chat/partials/answer_response.html", context)
    return push_url(response, reverse("chat:conversation", args=[conversation.pk]))


def _next_variant(request: HttpRequest, regenerate: int | None) -> str | None:
    """Regenerating: the variant after the one that wrote that answer, in name order."""
    if not regenerate:
        return None
    previous = get_object_or_404(Message, pk=regenerate, conversation__owner=request.user)
    names = sorted(settings.ANSWER_VARIANTS)
    if previous.variant not in names:
        return names[0] if names else None
    return names[(names.index(previous.variant) + 1) % len(names)]


@require_GET
@login_required
def reader(request: HttpRequest, document_id: int) -> HttpResponse:
    """A document read in place, from its parsed elements, at the cited chunk and sentence."""
    document = selectors.readable_document(request.user, document_id)
    if document is None:
        raise Http404("No such document.")
    version = document.current_version
    cited = None
    if request.GET.get("chunk", "").isdigit():
        cited = document.chunks.select_related("version").filter(pk=request.GET["chunk"]).first()
        if cited is not None:  # a citation keeps pointing at the version it quoted
            version = cited.version
    chunks = selectors.reader_chunks(version)
    quote = quoted_sentence(cited.text, request.GET.get("quote", "")) if cited else ""
    blocks = reader_blocks(
        elements=version.elements,
        chunks=[ReaderChunk(c.pk, c.text, c.metadata.get("element_ids", [])) for c in chunks],
        cited=cited.pk if cited else None,
        quote=quote,
    )
    conversation = request.GET.get("conversation", "")
    back = reverse("chat:chat")
    if conversation.isdigit() and request.user.conversations.filter(pk=conversation).exists():
        back = reverse("chat:conversation", args=[conversation])
    context = {
        "back": back,
        "document": document,
        "version": version,
        "blocks": blocks,
        "cited": cited,
        "has_quote": any(block.has_quote for block in blocks),
    }
    return render(request, "chat/reader.html", context)


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
    """The current version's original file, for readers of its collection only, as a download
    that the browser never renders in our origin (ingestion/originals.py)."""
    document = selectors.readable_document(request.user, document_id)
    if document is None:
        raise Http404("No such document.")
    version = document.current_version
    audit.record(
        action=audit.Action.DOCUMENT_DOWNLOAD,
        target=document,
        request=request,
        version=version.number,
    )
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.file.name.rsplit("/", 1)[-1],
        content_type=originals.media_type(version.content_type),
        headers=originals.download_headers(),
    )
