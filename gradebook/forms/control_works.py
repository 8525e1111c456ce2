"""The planner's form (plan or move a control work, with the warnings to confirm) and the filter of the
administrator's schedule."""

from __future__ import annotations

import hashlib

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import ControlWork, ReportingPeriod
from ..selectors import control_works as selectors
from ..services import control_works as services


def _target_key(assignment) -> str:
    owner = assignment.class_unit or assignment.study_group
    kind = "class" if assignment.class_unit_id else "group"
    return f"{kind}:{owner.public_id}:{assignment.subject.public_id}"


class ControlWorkForm(forms.Form):
    """Plan a control work (``assignments``: where the user may plan) or move one (``control_work``).

    Valid and ``ready`` when nothing refuses it and the planner has confirmed the warnings they were
    shown (the digest of the warnings travels in ``acknowledged``: other warnings ask again)."""

    target = forms.ChoiceField(label=_("Class or group and subject"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    number = forms.IntegerField(
        label=_("Lesson number"),
        required=False,
        min_value=0,
        max_value=12,
        help_text=_("Leave it empty to take the subject's lesson that day."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    topic = forms.CharField(label=_("Topic"), max_length=services.TOPIC_MAX_LENGTH)
    kind = forms.ChoiceField(label=_("Kind"), choices=ControlWork.Kind.choices, initial=ControlWork.Kind.TEST)
    acknowledged = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_("I have read the warnings and plan it anyway"), required=False)

    def __init__(self, *args, assignments=None, control_work: ControlWork | None = None, **kwargs):
        self.control_work = control_work
        if control_work is not None:
            kwargs.setdefault(
                "initial",
                {
                    "date": control_work.date,
                    "number": control_work.number,
                    "topic": control_work.topic,
                    "kind": control_work.kind,
                },
            )
        super().__init__(*args, **kwargs)
        self.targets: dict[str, dict] = {}
        self.warnings: list[str] = []
        if control_work is not None:
            del self.fields["target"]
            self.targets[""] = {
                "class_unit": control_work.class_unit,
                "study_group": control_work.study_group,
                "subject": control_work.subject,
            }
            return
        assignments = list(
            assignments.select_related(
                "class_unit__school_year", "study_group__school_year", "study_group__class_unit", "subject", "teacher"
            ).order_by("class_unit__grade_level", "class_unit__letter", "study_group__name", "subject__name")
        )
        several_teachers = len({assignment.teacher_id for assignment in assignments}) > 1
        choices = []
        for assignment in assignments:
            key = _target_key(assignment)
            if key in self.targets:
                continue
            self.targets[key] = {
                "class_unit": assignment.class_unit,
                "study_group": assignment.study_group,
                "subject": assignment.subject,
            }
            label = f"{assignment.class_unit or assignment.study_group} — {assignment.subject}"
            if several_teachers:
                label += f" ({assignment.teacher.short_name})"
            choices.append((key, label))
        self.fields["target"].choices = [("", _("Choose…")), *choices]

    @property
    def has_targets(self) -> bool:
        return bool(self.targets)

    @property
    def chosen(self) -> dict:
        return self.targets[self.cleaned_data.get("target", "")]

    @property
    def warnings_digest(self) -> str:
        return hashlib.sha256("\n".join(self.warnings).encode()).hexdigest()[:16] if self.warnings else ""

    @property
    def ready(self) -> bool:
        """No warnings, or the planner confirmed these very warnings."""
        if not self.warnings:
            return True
        return bool(self.cleaned_data.get("confirm")) and self.cleaned_data.get("acknowledged") == self.warnings_digest

    def clean_topic(self):
        topic = self.cleaned_data["topic"].strip()
        if not topic:
            raise ValidationError(_("Give the topic of the control work."))
        return topic

    def clean(self):
        cleaned = super().clean()
        if self.errors or cleaned.get("target", "") not in self.targets:
            return cleaned
        try:
            services.control_work_check(**self.chosen, date=cleaned["date"], number=cleaned.get("number"))
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, messages in error.message_dict.items():
                    self.add_error(name if name in self.fields else None, messages)
            else:
                self.add_error(None, error)
            return cleaned
        self.warnings = selectors.planned_work_warnings(
            **self.chosen, date=cleaned["date"], number=cleaned.get("number"), control_work=self.control_work
        )
        return cleaned


class PeriodChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, show_school: bool = False, **kwargs):
        self.show_school = show_school
        super().__init__(*args, **kwargs)

    def label_from_instance(self, period: ReportingPeriod) -> str:
        label = _("%(year)s, %(period)s, grades %(low)s–%(high)s") % {
            "year": period.school_year,
            "period": period,
            "low": period.min_grade,
            "high": period.max_grade,
        }
        return f"{period.school_year.school}: {label}" if self.show_school else label


class ScheduleFilterForm(forms.Form):
    """Which period and grade level the administrator's schedule shows."""

    period = PeriodChoiceField(
        label=_("Period"), queryset=ReportingPeriod.objects.none(), to_field_name="public_id", empty_label=None
    )
    grade = forms.TypedChoiceField(
        label=_("Grade level"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", _("All grade levels")), *((level, str(level)) for level in range(1, 12))],
    )

    def __init__(self, *args, periods, show_school: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        field.queryset = periods
        field.show_school = show_school
