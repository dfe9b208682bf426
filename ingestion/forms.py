from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from ingestion.models import Collection


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:  # an empty list would otherwise pass as valid
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [clean_one(item, initial) for item in data]
        return [clean_one(data, initial)]


class UploadForm(forms.Form):
    collection = forms.ModelChoiceField(queryset=Collection.objects.none())
    files = MultipleFileField(
        help_text="Select many files at once; folders can be zipped by the CLI."
    )

    def __init__(self, *args, collections: QuerySet[Collection], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection"].queryset = collections
