"""The journal's forms: what a teacher types into a cell, and a lesson's panel (topic, type, homework)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import Lesson, WorkType
from ..services.homework import validate_homework_file

SEPARATORS = re.compile(r"[\s/,;]+")


class JournalCellForm(forms.Form):
    """A cell as typed: up to two marks and an attendance code, in any order — «5», «5/4», «н», «4 о»;
    empty clears the cell. The services judge the values; this form only reads them."""

    value = forms.CharField(required=False, max_length=20, strip=True)
    work_type = forms.ModelChoiceField(queryset=WorkType.objects.none(), required=False, to_field_name="public_id")

    def __init__(self, *args, codes: list[str], work_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.codes = codes
        self.fields["work_type"].queryset = work_types

    def clean(self):
        cleaned = super().clean()
        marks: list[int] = []
        code = ""
        for token in SEPARATORS.split((cleaned.get("value") or "").lower()):
            if not token:
                continue
            if token.isdigit():
                marks.append(int(token))
            elif token in self.codes:
                if code:
                    raise forms.ValidationError(gettext("One attendance code per cell."), code="two_codes")
                code = token
            else:
                raise forms.ValidationError(
                    gettext("%(value)s is neither a mark (1–5) nor an attendance code (%(codes)s).")
                    % {"value": token, "codes": ", ".join(self.codes)},
                    code="unknown",
                )
        if len(marks) > 2:
            raise forms.ValidationError(gettext("A cell holds at most two marks."), code="too_many")
        cleaned["marks"], cleaned["code"] = marks, code
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class LessonPanelForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), required=False, max_length=500)
    kind = forms.ChoiceField(label=_("Lesson type"), required=False, choices=[("", "—"), *Lesson.Kind.choices])
    homework = forms.CharField(label=_("Homework"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Attach files"), required=False)
    attendance_taken = forms.BooleanField(
        label=_("Attendance taken: everyone without a mark was present"), required=False
    )

    def clean_files(self):
        """Each file is checked here so that a bad file stops the whole panel before anything is saved;
        the service checks it again."""
        files = self.cleaned_data.get("files") or []
        errors = []
        for upload in files:
            try:
                validate_homework_file(upload)
            except forms.ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise forms.ValidationError(errors)
        return files
