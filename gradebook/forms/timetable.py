"""Forms of the timetable pages: the bell schedule, a timetable entry, generating lessons, the day's
changes and the four kinds of change. They parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from ..models import Employee, Lesson, ReportingPeriod, StudyGroup, Subject, TimetableEntry
from ..services.timetable import LESSON_NUMBERS, ROOM_MAX_LENGTH, WEEKDAY_NUMBERS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def teachers_of(school) -> QuerySet[Employee]:
    """The active teachers of a school (an instance or its id)."""
    return Employee.objects.filter(school=school, is_teacher=True, is_active=True).order_by(
        "surname", "name", "patronymic"
    )


def _number_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Lesson number"), min_value=LESSON_NUMBERS.start, max_value=LESSON_NUMBERS.stop - 1, **kwargs
    )


def _room_field() -> forms.CharField:
    return forms.CharField(label=_("Room"), max_length=ROOM_MAX_LENGTH, required=False)


# --- The bell schedule -------------------------------------------------------------------------


class BellPeriodForm(forms.Form):
    """One row of a shift's bell schedule; a row left empty is no lesson (an emptied row removes it)."""

    number = forms.IntegerField(
        label=_("Lesson number"), min_value=LESSON_NUMBERS.start, max_value=LESSON_NUMBERS.stop - 1, required=False
    )
    starts_at = forms.TimeField(label=_("Starts at"), widget=TIME_INPUT, required=False)
    ends_at = forms.TimeField(label=_("Ends at"), widget=TIME_INPUT, required=False)

    def clean(self):
        cleaned = super().clean()
        values = [cleaned.get(name) for name in ("number", "starts_at", "ends_at")]
        if any(value is not None for value in values) and any(value is None for value in values):
            raise forms.ValidationError(_("Fill in the number and both times, or leave the row empty."))
        return cleaned

    @property
    def period(self) -> tuple | None:
        data = self.cleaned_data
        if data.get("number") is None:
            return None
        return (data["number"], data["starts_at"], data["ends_at"])


class BaseBellPeriodFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # Every row is read, even one left as it was: an unread row would drop that lesson.
        return {**super().get_form_kwargs(index), "empty_permitted": False}

    def clean(self):
        if any(self.errors):
            return
        numbers = [form.period[0] for form in self.forms if form.period]
        if len(numbers) != len(set(numbers)):
            raise forms.ValidationError(_("Each lesson number appears once."))

    def periods(self) -> list[tuple]:
        return [form.period for form in self.forms if form.period]


def bell_period_formset(data=None, *, periods, rows: int = 10):
    """The rows of a shift's schedule: its periods, then empty rows up to ``rows`` (at least two)."""
    initial = [{"number": p.number, "starts_at": p.starts_at, "ends_at": p.ends_at} for p in periods]
    formset_class = forms.formset_factory(
        BellPeriodForm, formset=BaseBellPeriodFormSet, extra=max(2, rows - len(initial)), max_num=13
    )
    return formset_class(data, initial=initial, prefix="bells")


# --- The weekly timetable ----------------------------------------------------------------------


class TimetableEntryForm(forms.Form):
    """A weekly slot of a class or of one of its subgroups."""

    study_group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=StudyGroup.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label=_("The whole class"),
    )
    weekday = forms.TypedChoiceField(
        label=_("Day"),
        coerce=int,
        choices=[(day, WEEKDAYS[day - 1]) for day in WEEKDAY_NUMBERS],  # lazy names
    )
    number = _number_field()
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.none(), to_field_name="public_id")
    teacher = forms.ModelChoiceField(label=_("Teacher"), queryset=Employee.objects.none(), to_field_name="public_id")
    room = _room_field()
    parity = forms.ChoiceField(label=_("Weeks"), choices=TimetableEntry.Parity.choices, initial="every")
    starts_on = forms.DateField(
        label=_("Valid from"), widget=DATE_INPUT, required=False, help_text=_("Empty: from the start of the year.")
    )
    ends_on = forms.DateField(
        label=_("Valid until"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("To end a slot during the year, set this date rather than removing the slot."),
    )

    def __init__(self, *args, class_unit, entry: TimetableEntry | None = None, **kwargs):
        if entry is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "study_group": entry.study_group.public_id if entry.study_group else None,
                "weekday": entry.weekday,
                "number": entry.number,
                "subject": entry.subject.public_id,
                "teacher": entry.teacher.public_id,
                "room": entry.room,
                "parity": entry.parity,
                "starts_on": entry.starts_on,
                "ends_on": entry.ends_on,
            }
        super().__init__(*args, **kwargs)
        school_id = class_unit.school_year.school_id
        self.fields["study_group"].queryset = StudyGroup.objects.filter(class_unit=class_unit).order_by("name")
        self.fields["subject"].queryset = Subject.objects.filter(school_id=school_id).order_by("name")
        self.fields["teacher"].queryset = teachers_of(school_id)
        self.class_unit = class_unit

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        group = data.pop("study_group")
        return {"class_unit": None if group else self.class_unit, "study_group": group, **data}


class LessonsGenerateForm(forms.Form):
    period = forms.ModelChoiceField(
        label=_("Reporting period"), queryset=ReportingPeriod.objects.none(), to_field_name="public_id"
    )

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = periods
        self.fields["period"].label_from_instance = lambda p: f"{p} ({p.starts_on:%d.%m.%Y}–{p.ends_on:%d.%m.%Y})"


# --- Changes to lessons ------------------------------------------------------------------------


class ChangesFilterForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT, required=False)
    class_unit = forms.ModelChoiceField(
        label=_("Class"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        empty_label=_("All classes"),
    )

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_unit"].queryset = classes


class LessonChangeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        help_text=_("For example: the teacher is ill; the room is being repaired."),
    )

    def __init__(self, *args, lesson: Lesson, **kwargs):
        super().__init__(*args, **kwargs)
        self.lesson = lesson


class SubstitutionForm(LessonChangeForm):
    substitute = forms.ModelChoiceField(
        label=_("Substitute teacher"), queryset=Employee.objects.none(), to_field_name="public_id"
    )
    field_order = ["substitute", "reason"]

    def __init__(self, *args, lesson: Lesson, **kwargs):
        super().__init__(*args, lesson=lesson, **kwargs)
        self.fields["substitute"].queryset = teachers_of(lesson.school_id).exclude(pk=lesson.teacher_id)


class MoveForm(LessonChangeForm):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    number = _number_field()
    room = _room_field()
    field_order = ["date", "number", "room", "reason"]

    def __init__(self, *args, lesson: Lesson, **kwargs):
        kwargs.setdefault("initial", {"date": lesson.date, "number": lesson.number, "room": lesson.room})
        super().__init__(*args, lesson=lesson, **kwargs)


class CancellationForm(LessonChangeForm):
    pass


class ExtraLessonForm(LessonChangeForm):
    """An extra lesson for the same class or group as the chosen lesson."""

    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.none(), to_field_name="public_id")
    teacher = forms.ModelChoiceField(label=_("Teacher"), queryset=Employee.objects.none(), to_field_name="public_id")
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    number = _number_field()
    room = _room_field()
    field_order = ["subject", "teacher", "date", "number", "room", "reason"]

    def __init__(self, *args, lesson: Lesson, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "subject": lesson.subject.public_id,
                "teacher": lesson.conducting_teacher.public_id,
                "date": lesson.date,
                "room": lesson.room,
            },
        )
        super().__init__(*args, lesson=lesson, **kwargs)
        self.fields["subject"].queryset = Subject.objects.filter(school_id=lesson.school_id).order_by("name")
        self.fields["teacher"].queryset = teachers_of(lesson.school_id)
