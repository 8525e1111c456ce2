"""The teacher's form for a recommendation to a student and family."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import ClassMembership
from ..services.recommendations import TEXT_MAX_LENGTH


class StudentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, student) -> str:
        grade = getattr(student, "class_grade", None)
        if grade is None:
            return student.full_name
        return f"{student.full_name} ({grade}{student.class_letter})"


class RecommendationForm(forms.Form):
    """``students``: those the teacher may write to (the access policy); ``subjects``: the subjects they
    teach them. The student comes preselected from the address (``?student=``)."""

    student = StudentChoiceField(
        label=_("Student"), queryset=None, to_field_name="public_id", empty_label=_("Choose a student…")
    )
    subject = forms.ModelChoiceField(
        label=_("Subject"),
        queryset=None,
        to_field_name="public_id",
        required=False,
        empty_label=_("Not about one subject"),
    )
    text = forms.CharField(
        label=_("Recommendation"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, students, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students
        self.fields["subject"].queryset = subjects
        self.fields["text"].help_text = gettext(
            "The student and their family read it in the diary. At most %(max)s characters."
        ) % {"max": TEXT_MAX_LENGTH}


def with_class_label(students, on: datetime.date):
    """Students in the order of their current class, each with ``class_label`` (5А) for the choice."""
    current = ClassMembership.objects.current(on).filter(student=OuterRef("pk")).order_by("-starts_on")
    return students.annotate(
        class_grade=Subquery(current.values("class_unit__grade_level")[:1]),
        class_letter=Subquery(current.values("class_unit__letter")[:1]),
    ).order_by("class_grade", "class_letter", "surname", "name", "patronymic")
