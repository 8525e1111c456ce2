"""Subjects, the curriculum's planned hours, teaching assignments, work types and grading settings."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .base import DateRangeQuerySet, PublicModel, TimeStampedModel, ends_after_start
from .classes import ClassUnit, StudyGroup
from .people import Employee
from .school import ReportingPeriod, School, SchoolYear


class Subject(PublicModel):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="subjects", verbose_name=_("school"))
    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="subject_unique_name")]

    def __str__(self) -> str:
        return self.name


class CurriculumLine(TimeStampedModel):
    """Planned hours of a subject for a grade level or one class, for the year or one period."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="curriculum", verbose_name=_("school year")
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    grade_level = models.PositiveSmallIntegerField(_("grade level"), null=True, blank=True)
    class_unit = models.ForeignKey(
        ClassUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("class")
    )
    period = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("period"),
        help_text=_("Empty for the whole year."),
    )
    planned_hours = models.PositiveSmallIntegerField(_("planned hours"))

    class Meta:
        verbose_name = _("curriculum line")
        verbose_name_plural = _("curriculum")
        constraints = [
            models.CheckConstraint(
                condition=(Q(grade_level__isnull=False) & Q(class_unit__isnull=True))
                | (Q(grade_level__isnull=True) & Q(class_unit__isnull=False)),
                name="curriculum_grade_level_or_class",
                violation_error_message=_("A curriculum line is for a grade level or for one class, not both."),
            ),
            models.CheckConstraint(
                condition=Q(grade_level__isnull=True) | Q(grade_level__gte=1, grade_level__lte=11),
                name="curriculum_grade_level_range",
            ),
            models.UniqueConstraint(
                F("school_year"),
                F("subject"),
                Coalesce("grade_level", 0),
                Coalesce("class_unit", 0),
                Coalesce("period", 0),
                name="curriculum_unique_line",
                violation_error_message=_("This subject already has planned hours here."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.planned_hours}"


class TeachingAssignment(TimeStampedModel):
    """A teacher teaches a subject to a class or a group, within dates of the year."""

    teacher = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("teacher")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("subject")
    )
    class_unit = models.ForeignKey(
        ClassUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments", verbose_name=_("class")
    )
    study_group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments", verbose_name=_("group")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = DateRangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(class_unit__isnull=False) & Q(study_group__isnull=True))
                | (Q(class_unit__isnull=True) & Q(study_group__isnull=False)),
                name="assignment_class_or_group",
                violation_error_message=_("An assignment is for a class or for a group, not both."),
            ),
            ends_after_start("assignment_ends_after_start"),
            models.UniqueConstraint(
                F("teacher"),
                F("subject"),
                Coalesce("class_unit", 0),
                Coalesce("study_group", 0),
                F("starts_on"),
                name="assignment_unique",
                violation_error_message=_("This teacher already has this assignment."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} — {self.subject} — {self.class_unit or self.study_group}"


class WorkType(PublicModel):
    """Ответ на уроке, контрольная, …: its weight enters the weighted average."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="work_types", verbose_name=_("school"))
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2, default=Decimal("1"))

    class Meta:
        verbose_name = _("work type")
        verbose_name_plural = _("work types")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="worktype_unique_name"),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=10),
                name="worktype_weight_range",
                violation_error_message=_("A weight is above 0 and at most 10."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GradingSettings(TimeStampedModel):
    """A school year's rules for proposing finals: rounding thresholds and the minimum number of marks."""

    school_year = models.OneToOneField(
        SchoolYear, on_delete=models.PROTECT, related_name="grading", verbose_name=_("school year")
    )
    threshold_5 = models.DecimalField(_("threshold for 5"), max_digits=3, decimal_places=2, default=Decimal("4.50"))
    threshold_4 = models.DecimalField(_("threshold for 4"), max_digits=3, decimal_places=2, default=Decimal("3.50"))
    threshold_3 = models.DecimalField(_("threshold for 3"), max_digits=3, decimal_places=2, default=Decimal("2.50"))
    min_marks = models.PositiveSmallIntegerField(_("minimum number of marks"), default=3)

    class Meta:
        verbose_name = _("grading settings")
        verbose_name_plural = _("grading settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_5__gt=F("threshold_4"), threshold_4__gt=F("threshold_3"), threshold_3__gt=1)
                & Q(threshold_5__lte=5),
                name="grading_thresholds_ordered",
                violation_error_message=_("Thresholds must rise: for 3 < for 4 < for 5 ≤ 5."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.school_year)


DEFAULT_ATTENDANCE_CODES = [
    ("н", _("absent"), False),
    ("б", _("ill"), True),
    ("у", _("excused"), True),
    ("п", _("unexcused"), False),
    ("о", _("late"), False),
]


class AttendanceCode(TimeStampedModel):
    """The school year's attendance codes (н, б, у, п, о) and their names."""

    grading = models.ForeignKey(
        GradingSettings, on_delete=models.PROTECT, related_name="attendance_codes", verbose_name=_("grading settings")
    )
    code = models.CharField(_("code"), max_length=3)
    name = models.CharField(_("name"), max_length=50)
    is_excused = models.BooleanField(_("excused"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("attendance code")
        verbose_name_plural = _("attendance codes")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["grading", "code"], name="attendancecode_unique")]

    def __str__(self) -> str:
        return self.code
