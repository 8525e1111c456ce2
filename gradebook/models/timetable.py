"""The bell schedule, the weekly timetable, dated lessons and their changes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import PublicModel, TimeStampedModel, ends_after_start
from .classes import ClassUnit, StudyGroup
from .curriculum import Subject
from .people import Employee
from .school import School, SchoolYear


def class_or_group(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(class_unit__isnull=False) & Q(study_group__isnull=True))
        | (Q(class_unit__isnull=True) & Q(study_group__isnull=False)),
        name=name,
        violation_error_message=_("For a class or for a group, not both."),
    )


class BellPeriod(TimeStampedModel):
    """Lesson number N of a shift starts and ends at these times (the school's time zone)."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="bell_periods", verbose_name=_("school year")
    )
    shift = models.PositiveSmallIntegerField(_("shift"), default=1)
    number = models.PositiveSmallIntegerField(_("lesson number"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        verbose_name = _("bell period")
        verbose_name_plural = _("bell schedule")
        ordering = ["school_year", "shift", "number"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "shift", "number"], name="bellperiod_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="bellperiod_ends_after_start",
                violation_error_message=_("A lesson ends after it starts."),
            ),
            models.CheckConstraint(condition=Q(shift__in=[1, 2, 3]), name="bellperiod_shift_valid"),
            models.CheckConstraint(condition=Q(number__gte=0, number__lte=12), name="bellperiod_number_range"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class TimetableEntry(PublicModel):
    """A weekly slot: weekday and lesson number, subject, teacher and room, for a class or a group."""

    class Parity(models.TextChoices):
        EVERY = "every", _("every week")
        ODD = "odd", _("odd weeks")
        EVEN = "even", _("even weeks")

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="timetable", verbose_name=_("school year")
    )
    class_unit = models.ForeignKey(
        ClassUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("class")
    )
    study_group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("group")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("1 is Monday, 6 is Saturday."))
    number = models.PositiveSmallIntegerField(_("lesson number"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    teacher = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher"))
    room = models.CharField(_("room"), max_length=30, blank=True)
    parity = models.CharField(_("weeks"), max_length=5, choices=Parity.choices, default=Parity.EVERY)
    starts_on = models.DateField(_("valid from"))
    ends_on = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("timetable entry")
        verbose_name_plural = _("timetable")
        ordering = ["weekday", "number"]
        constraints = [
            class_or_group("timetableentry_class_or_group"),
            ends_after_start("timetableentry_ends_after_start"),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=6),
                name="timetableentry_weekday_range",
                violation_error_message=_("Lessons run from Monday (1) to Saturday (6)."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday}/{self.number} {self.subject}"


class Lesson(PublicModel):
    """A dated lesson of a class or group: the hot table the journal hangs on.

    It holds the lesson as it now stands; each change (substitution, move, cancellation, an extra
    lesson) is a ``LessonChange`` row that keeps what it was before.
    """

    class Kind(models.TextChoices):
        NEW_MATERIAL = "new", _("new material")
        PRACTICE = "practice", _("practice and consolidation")
        COMBINED = "combined", _("combined lesson")
        CONTROL = "control", _("assessment")
        REVIEW = "review", _("review and generalisation")
        LAB = "lab", _("laboratory or practical work")
        EXCURSION = "excursion", _("excursion")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    class_unit = models.ForeignKey(
        ClassUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="lessons", db_index=False
    )
    study_group = models.ForeignKey(StudyGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="lessons")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    teacher = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("teacher"), db_index=False
    )
    substitute = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substituted_lessons",
        verbose_name=_("substitute teacher"),
    )
    date = models.DateField(_("date"))
    number = models.PositiveSmallIntegerField(_("lesson number"))
    room = models.CharField(_("room"), max_length=30, blank=True)
    topic = models.CharField(_("topic"), max_length=500, blank=True)
    kind = models.CharField(_("lesson type"), max_length=12, choices=Kind.choices, blank=True)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    is_moved = models.BooleanField(_("moved"), default=False)
    is_extra = models.BooleanField(_("extra lesson"), default=False)
    timetable_entry = models.ForeignKey(
        TimetableEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    topic_entered_at = models.DateTimeField(_("topic entered at"), null=True, blank=True)
    attendance_taken_at = models.DateTimeField(
        _("attendance taken at"),
        null=True,
        blank=True,
        help_text=_("When the teacher first recorded attendance, or that everyone was present."),
    )

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["date", "number"]
        indexes = [
            models.Index(fields=["class_unit", "date"], name="lesson_class_date"),
            models.Index(fields=["teacher", "date"], name="lesson_teacher_date"),
        ]
        constraints = [class_or_group("lesson_class_or_group")]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.number} {self.subject}"

    @property
    def conducting_teacher(self) -> Employee:
        return self.substitute or self.teacher

    @property
    def is_changed(self) -> bool:
        return self.is_cancelled or self.is_moved or self.is_extra or self.substitute_id is not None


class LessonChange(models.Model):
    """A substitution, move, cancellation or extra lesson: its reason, who, when, and what it was."""

    class Kind(models.TextChoices):
        SUBSTITUTION = "substitution", _("substitution")
        MOVE = "move", _("moved lesson")
        CANCELLATION = "cancellation", _("cancellation")
        EXTRA = "extra", _("extra lesson")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="changes", verbose_name=_("lesson"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=255)
    old_teacher = models.ForeignKey(Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    old_date = models.DateField(_("was on"), null=True, blank=True)
    old_number = models.PositiveSmallIntegerField(_("was lesson number"), null=True, blank=True)
    old_room = models.CharField(_("was in room"), max_length=30, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson change")
        verbose_name_plural = _("lesson changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.lesson}"
