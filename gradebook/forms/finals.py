"""The forms of the finals pages: a journal's column of finals, a deferral and its extension, the
student picker of the deferrals list and the period filter of the publication report."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import FinalMark
from ..services.finals import parse_value
from .control_works import PeriodChoiceField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_MAX_LENGTH = 255


class FinalsForm(forms.Form):
    """One column of finals: an input per student of the sheet (empty leaves the row as it is), "publish
    now", and the scale of an exam's results. Valid when every typed value is on the scale; then
    ``cleaned_data["entries"]`` holds (student, value) pairs to record."""

    publish = forms.BooleanField(label=_("Publish now: families see the results at once"), required=False)
    scale = forms.ChoiceField(label=_("Scale"), choices=FinalMark.Scale.choices, required=False)

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        for row in sheet.rows:
            self.fields[row.field_name] = forms.CharField(required=False, max_length=10)
        if not sheet.column.is_exam:
            del self.fields["scale"]

    def clean(self):
        cleaned = super().clean()
        scale = cleaned.get("scale") or FinalMark.Scale.FIVE_POINT
        entries = []
        for row in self.sheet.rows:
            text = cleaned.get(row.field_name) or ""
            if not text:
                continue
            try:
                parse_value(text, kind=self.sheet.column.kind, scale=scale)
            except ValidationError as error:
                self.add_error(row.field_name, error)
                continue
            entries.append((row.student, text))
        cleaned["scale"] = scale
        cleaned["entries"] = entries
        return cleaned


class DeferralForm(forms.Form):
    """An отсрочка of one of the student's period finals."""

    subject = forms.ModelChoiceField(label=_("Subject"), queryset=None, to_field_name="public_id")
    period = PeriodChoiceField(label=_("Period"), queryset=None, to_field_name="public_id")
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH)
    due_on = forms.DateField(label=_("Due date"), widget=DATE_INPUT)

    def __init__(self, *args, subjects, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["period"].queryset = periods


class DeferralExtendForm(forms.Form):
    due_on = forms.DateField(label=_("New due date"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH)


class StudentPickForm(forms.Form):
    """``?student=``: whose final the deferrals list's picker opens."""

    student = forms.UUIDField()


class PublicationFilterForm(forms.Form):
    """``?period=``: the finals of one period (a year period: the year finals, exams and final marks)."""

    period = PeriodChoiceField(
        label=_("Period"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        empty_label=_("The current school year"),
    )

    def __init__(self, *args, periods, show_school: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = periods
        self.fields["period"].show_school = show_school
