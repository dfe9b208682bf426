from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from ingestion.models import Collection

MAX_ID = 2**63 - 1  # BigAutoField


class QuestionForm(forms.Form):
    question = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": "Ask about your documents"}),
        error_messages={"required": "Type a question first."},
    )
    conversation = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    # The answer being regenerated, with the next answer variant.
    regenerate = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    search_only = forms.BooleanField(
        required=False, label="Search only", help_text="List the matching passages, no answer."
    )
    collections = forms.ModelMultipleChoiceField(
        queryset=Collection.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to search every collection you can read.",
    )

    def __init__(self, *args, collections: QuerySet[Collection], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collections"].queryset = collections


class ConversationRenameForm(forms.Form):
    title = forms.CharField(max_length=200)
