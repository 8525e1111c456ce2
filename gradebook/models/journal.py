"""What the journal records on lessons: marks, attendance, homework; control works; recommendations;
and the append-only history of every change."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import AppendOnlyModel, PublicModel, TimeStampedModel
from .classes import ClassUnit, StudyGroup
from .curriculum import Subject, WorkType
from .people import Employee, Student
from .school import School
from .timetable import Lesson, class_or_group

MARK_VALUES = (1, 2, 3, 4, 5)


class Mark(TimeStampedModel):
    """A mark in a cell of the journal. Subject and date are copied from the lesson so that a family's
    page reads a student's marks without joining through lessons. A cell holds at most two."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="marks", verbose_name=_("lesson"))
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="marks", verbose_name=_("student"), db_index=False
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", db_index=False)
    date = models.DateField(_("date"))
    position = models.PositiveSmallIntegerField(_("position in the cell"), default=1)
    value = models.PositiveSmallIntegerField(_("mark"))
    work_type = models.ForeignKey(
        WorkType, on_delete=models.PROTECT, related_name="+", verbose_name=_("work type"), db_index=False
    )
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2, default=Decimal("1"))
    comment = models.CharField(_("comment"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        ordering = ["date", "position"]
        indexes = [models.Index(fields=["student", "date"], name="mark_student_date")]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "student", "position"], name="mark_one_per_position"),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5),
                name="mark_value_on_scale",
                violation_error_message=_("A mark is 1, 2, 3, 4 or 5."),
            ),
            models.CheckConstraint(
                condition=Q(position__in=[1, 2]),
                name="mark_two_per_cell",
                violation_error_message=_("A cell holds at most two marks."),
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="mark_weight_positive"),
        ]

    def __str__(self) -> str:
        return str(self.value)


class Attendance(TimeStampedModel):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("lesson"))
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("student"), db_index=False
    )
    date = models.DateField(_("date"))
    code = models.CharField(_("code"), max_length=3)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("attendance entry")
        verbose_name_plural = _("attendance")
        indexes = [models.Index(fields=["student", "date"], name="attendance_student_date")]
        constraints = [models.UniqueConstraint(fields=["lesson", "student"], name="attendance_one_per_lesson")]

    def __str__(self) -> str:
        return self.code


def homework_file_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"homework/{instance.homework.lesson.school.public_id}/{instance.public_id}.{extension}"


class Homework(PublicModel):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    lesson = models.OneToOneField(Lesson, on_delete=models.PROTECT, related_name="homework", verbose_name=_("lesson"))
    text = models.TextField(_("homework"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("homework")
        verbose_name_plural = _("homework")

    def __str__(self) -> str:
        return self.text[:50]


class HomeworkFile(PublicModel):
    homework = models.ForeignKey(Homework, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(_("file"), upload_to=homework_file_path, max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("homework file")
        verbose_name_plural = _("homework files")

    def __str__(self) -> str:
        return self.name


class ControlWork(PublicModel):
    """A planned assessment (оценочная процедура) of a class or group in a subject."""

    class Kind(models.TextChoices):
        TEST = "test", _("test (контрольная работа)")
        DIAGNOSTIC = "diagnostic", _("diagnostic work")
        DICTATION = "dictation", _("dictation")
        ESSAY = "essay", _("essay")
        VPR = "vpr", _("all-Russian test (ВПР)")
        OTHER = "other", _("other assessment")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    class_unit = models.ForeignKey(
        ClassUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="control_works"
    )
    study_group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="control_works"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, null=True, blank=True, related_name="control_works", verbose_name=_("lesson")
    )
    date = models.DateField(_("date"))
    number = models.PositiveSmallIntegerField(_("lesson number"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=255)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TEST)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("control work")
        verbose_name_plural = _("control works")
        ordering = ["date", "number"]
        constraints = [class_or_group("controlwork_class_or_group")]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.subject}: {self.topic}"


class Recommendation(PublicModel):
    """A teacher's recommendation to a student and family, optionally about a subject."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="recommendations", verbose_name=_("student")
    )
    teacher = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher"))
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("subject")
    )
    text = models.TextField(_("recommendation"))

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:50]


class JournalChange(AppendOnlyModel):
    """The history of the journal: every change to a mark, an attendance entry or homework.

    Append-only: PostgreSQL triggers refuse UPDATE and DELETE; the model layer refuses them too.
    """

    class Kind(models.TextChoices):
        MARK = "mark", _("mark")
        ATTENDANCE = "attendance", _("attendance")
        HOMEWORK = "homework", _("homework")
        TOPIC = "topic", _("lesson topic")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="history", verbose_name=_("lesson"))
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("student")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    old_value = models.CharField(_("was"), max_length=500, blank=True)
    new_value = models.CharField(_("became"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("journal change")
        verbose_name_plural = _("journal history")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["student", "created_at"], name="journalchange_student")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.old_value} → {self.new_value}"
