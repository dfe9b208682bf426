from __future__ import annotations

from django.db import models

from guardrails.checks import Action, Category


class Policy(models.Model):
    """A rule an SME configures: what to catch (a category, with example questions or names)
    and what to do (allow, flag or block), in all collections or some."""

    class Kind(models.TextChoices):
        TOPIC = "topic", "Denied topic (similar to the examples)"
        TERMS = "terms", "Names and aliases (exact words, in questions and answers)"
        INJECTION = "injection", "Prompt injection (rules and the attack corpus)"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TOPIC)
    category = models.CharField(
        max_length=50,
        choices=[(c.value, c.value.replace("_", " ").capitalize()) for c in Category],
        default=Category.CUSTOM,
    )
    action = models.CharField(
        max_length=10, choices=[(a.value, a.value.capitalize()) for a in Action]
    )
    enabled = models.BooleanField(default=True)
    all_collections = models.BooleanField(
        default=True, help_text="Applies to every collection; otherwise to those chosen."
    )
    collections = models.ManyToManyField("ingestion.Collection", blank=True, related_name="+")
    description = models.TextField(
        blank=True, help_text="What the topic is; compared with questions like the examples."
    )
    examples = models.TextField(
        blank=True, help_text="Example questions to catch, one a line (topics)."
    )
    terms = models.TextField(blank=True, help_text="Names and aliases, one a line (terms).")
    refusal_message = models.CharField(
        max_length=300, blank=True, help_text="Shown to the user on a block; a default if empty."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name

    @property
    def example_list(self) -> list[str]:
        return [line.strip() for line in self.examples.splitlines() if line.strip()]

    @property
    def term_list(self) -> list[str]:
        return [line.strip() for line in self.terms.splitlines() if line.strip()]
