"""Classes, study groups and streams, and who belongs to them when."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import DateRangeQuerySet, PublicModel, TimeStampedModel, ends_after_start
from .people import Employee, Student
from .school import SchoolYear


class ClassUnit(PublicModel):
    """A class of one school year (5А): a grade level and a letter."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school year")
    )
    grade_level = models.PositiveSmallIntegerField(_("grade level"))
    letter = models.CharField(_("letter"), max_length=3)
    class_teacher = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_classes",
        verbose_name=_("class teacher"),
    )
    shift = models.PositiveSmallIntegerField(_("shift"), default=1)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school_year", "grade_level", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "grade_level", "letter"], name="class_unique_name"),
            models.CheckConstraint(
                condition=Q(grade_level__gte=1, grade_level__lte=11),
                name="class_grade_level_range",
                violation_error_message=_("The grade level runs from 1 to 11."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grade_level}{self.letter}"

    @property
    def has_marks(self) -> bool:
        """Grade 1 learns without marks (безотметочное обучение)."""
        return self.grade_level > 1


class ClassMembership(TimeStampedModel):
    """A student's place in a class for a span of dates: a transfer ends one and starts another."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="class_memberships", verbose_name=_("student")
    )
    class_unit = models.ForeignKey(
        ClassUnit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("class")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = DateRangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("class membership")
        verbose_name_plural = _("class memberships")
        ordering = ["starts_on"]
        constraints = [
            ends_after_start("classmembership_ends_after_start"),
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(ends_on__isnull=True),
                name="classmembership_one_open_per_student",
                violation_error_message=_("The student is still in another class: end that membership first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} — {self.class_unit}"


class StudyGroup(PublicModel):
    """A subgroup of a class (English, group 1) or a stream across classes of a grade level."""

    class Kind(models.TextChoices):
        SUBGROUP = "subgroup", _("subgroup")
        STREAM = "stream", _("stream")

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="groups", verbose_name=_("school year")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SUBGROUP)
    name = models.CharField(_("name"), max_length=100)
    class_unit = models.ForeignKey(
        ClassUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups",
        verbose_name=_("class"),
        help_text=_("The class a subgroup divides; empty for a stream."),
    )
    members = models.ManyToManyField(
        Student, through="StudyGroupMembership", related_name="study_groups", verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("study group")
        verbose_name_plural = _("study groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="studygroup_unique_name"),
            models.CheckConstraint(
                condition=Q(kind="stream") | Q(class_unit__isnull=False),
                name="studygroup_subgroup_has_class",
                violation_error_message=_("A subgroup belongs to a class."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StudyGroupMembership(TimeStampedModel):
    group = models.ForeignKey(StudyGroup, on_delete=models.PROTECT, related_name="memberships")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="group_memberships")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = DateRangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "student", "starts_on"], name="groupmembership_unique"),
            ends_after_start("groupmembership_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.student} — {self.group}"
