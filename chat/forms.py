from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from ingestion.models import Collection


class QuestionForm(forms.Form):
    question = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    conversation = forms.IntegerField(required=False, widget=forms.HiddenInput)
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
