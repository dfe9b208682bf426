from __future__ import annotations

from django.conf import settings
from django.db import models


class Conversation(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ragapp_conversation"  # named before the chat was its own app
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title


class Message(models.Model):
    """One question and its templated answer, with the full trace of how it was made."""

    class Kind(models.TextChoices):
        ANSWER = "answer", "Answer"
        NO_ANSWER = "no_answer", "No answer"
        REFUSAL = "refusal", "Refusal"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    question = models.TextField(help_text="As asked.")
    # A follow-up ("and at the far end?") is searched as a standalone question made from the
    # conversation (chat.followups); otherwise the question as asked.
    searched_question = models.TextField(blank=True, help_text="As searched.")
    question_rewrite = models.CharField(
        max_length=20, blank=True, help_text='How the follow-up was rewritten: "rules" or "llm".'
    )
    kind = models.CharField(max_length=20, choices=Kind)
    # Sentences as [{"text": ..., "citations": [1, 2]}] and sources as [{"number", "chunk_id",
    # "document_id", "title", "pages", "section", "version"}]: what the template rendered.
    sentences = models.JSONField(default=list)
    sources = models.JSONField(default=list)
    rendered = models.TextField(help_text="The answer as the user saw it (HTML).")
    template_version = models.CharField(max_length=50)
    generator = models.CharField(max_length=50)
    variant = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=200, blank=True)
    # Why the LLM's reply was not used (and the extractive answer was), if it was not.
    fallback_reason = models.CharField(max_length=300, blank=True)
    collection_ids = models.JSONField(default=list, help_text="Collections searched.")
    # [{"chunk_id", "score", "dense_rank", "dense_similarity", "keyword_rank", "keyword_score"}]
    retrieved = models.JSONField(default=list)
    search_mode = models.CharField(max_length=20)
    # Every guardrail decision on the question and the answer: [{"check", "version", "action",
    # "category", "reason", "score", "policy", "dropped"}] (guardrails.checks.Decision).
    guardrails = models.JSONField(default=list, blank=True)
    # What a refusal told the user (the category's or the policy's message).
    refusal_reason = models.CharField(max_length=300, blank=True)
    embed_ms = models.FloatField(default=0)
    search_ms = models.FloatField(default=0)
    generate_ms = models.FloatField(default=0)
    total_ms = models.FloatField(default=0)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ragapp_message"
        ordering = ["created_at"]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.question[:80]
