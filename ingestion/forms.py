from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from ingestion.models import Collection


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Many files in one field. Each file is judged on its own by the upload service (an empty
    file is reported by name there), so one bad file does not refuse the whole batch."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not files and self.required:  # an empty list would otherwise pass as valid
            raise forms.ValidationError(self.error_messages["required"], code="required")
        for file in files:
            if not getattr(file, "name", None):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return files


class UploadForm(forms.Form):
    collection = forms.ModelChoiceField(queryset=Collection.objects.none())
    files = MultipleFileField(
        help_text="Select many files at once; folders can be zipped by the CLI."
    )
    allow_duplicates = forms.BooleanField(
        required=False,
        label="Add files whose content is already in the collection under another name",
    )

    def __init__(self, *args, collections: QuerySet[Collection], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection"].queryset = collections
        only = list(collections[:2])
        if len(only) == 1:  # the one collection this user may upload to: nothing to choose
            self.fields["collection"].initial = only[0]
            self.fields["collection"].empty_label = None
