"""Finals: period, year and final marks, exam results on their own scales; deferrals (отсрочка); the
history of every final. A final reaches families when published or, at the latest, 24 hours after it
was recorded (DOMAIN.md, "Finals"): ``FinalMarkQuerySet.published`` applies that rule when reading."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .base import AppendOnlyModel, PublicModel, TimeStampedModel
from .curriculum import Subject
from .people import Student
from .school import ReportingPeriod, School, SchoolYear

# The deadline of the regulation: a final or exam result reaches the family within this time.
PUBLICATION_DEADLINE = datetime.timedelta(hours=24)

NOT_ASSESSED = "н/а"
EXEMPT = "осв"
PASSED = "зач"
FAILED = "незач"
SPECIAL_VALUES = (NOT_ASSESSED, EXEMPT)
FIVE_POINT_VALUES = ("5", "4", "3", "2", "1")
PASS_FAIL_VALUES = (PASSED, FAILED)


class FinalMarkQuerySet(models.QuerySet):
    def published(self, now: datetime.datetime):
        """What families may see at ``now``: confirmed, or recorded at least 24 hours ago.

        The rule is applied here, when reading, so that no stopped worker or sweep can delay it."""
        return self.filter(Q(published_at__lte=now) | Q(recorded_at__lte=now - PUBLICATION_DEADLINE))

    def awaiting_publication(self, now: datetime.datetime):
        """Recorded, not confirmed, and not yet 24 hours old: hidden from families for now."""
        return self.filter(published_at__isnull=True, recorded_at__gt=now - PUBLICATION_DEADLINE)

    def overdue_for_stamp(self, now: datetime.datetime):
        """Past the 24 hours but not yet stamped by the sweep: visible, not yet announced."""
        return self.filter(published_at__isnull=True, recorded_at__lte=now - PUBLICATION_DEADLINE)


class FinalMark(PublicModel):
    """A final of a student in a subject: for a reporting period, the year, an exam, or the final mark."""

    class Kind(models.TextChoices):
        PERIOD = "period", _("period final")
        YEAR = "year", _("year final")
        EXAM = "exam", _("exam")
        FINAL = "final", _("final mark")

    class Scale(models.TextChoices):
        FIVE_POINT = "five", _("5-point")
        POINTS = "points", _("points")
        PASS_FAIL = "pass_fail", _("pass/fail")

    class Exam(models.TextChoices):
        SCHOOL = "school", _("school exam")
        OGE = "oge", _("ОГЭ")
        EGE = "ege", _("ЕГЭ")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("school year"), db_index=False
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="finals", verbose_name=_("student"), db_index=False
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("period")
    )
    exam = models.CharField(_("exam"), max_length=6, choices=Exam.choices, blank=True)
    scale = models.CharField(_("scale"), max_length=9, choices=Scale.choices, default=Scale.FIVE_POINT)
    value = models.CharField(_("mark"), max_length=5, blank=True)
    points = models.PositiveSmallIntegerField(_("points"), null=True, blank=True)
    proposed = models.CharField(_("proposed"), max_length=5, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
        help_text=_("Empty when the 24-hour rule published it."),
    )

    objects = FinalMarkQuerySet.as_manager()

    class Meta:
        verbose_name = _("final mark")
        verbose_name_plural = _("final marks")
        ordering = ["student", "subject", "kind"]
        indexes = [
            models.Index(fields=["student", "school_year"], name="final_student_year"),
            models.Index(fields=["recorded_at"], name="final_unpublished", condition=Q(published_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                F("student"),
                F("subject"),
                F("school_year"),
                F("kind"),
                Coalesce("period", 0),
                F("exam"),
                name="final_unique",
                violation_error_message=_("This student already has this final in the subject."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="period") & Q(period__isnull=False)) | (~Q(kind="period") & Q(period__isnull=True)),
                name="final_period_only_for_period_kind",
                violation_error_message=_("A period final names its period; other finals do not."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="exam") & ~Q(exam="")) | (~Q(kind="exam") & Q(exam="")),
                name="final_exam_only_for_exam_kind",
                violation_error_message=_("An exam result names its exam; other finals do not."),
            ),
            models.CheckConstraint(
                condition=Q(scale="points", kind="exam") | ~Q(scale="points"),
                name="final_points_only_for_exams",
                violation_error_message=_("Only exam results are given in points."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(scale="five", points__isnull=True, value__in=FIVE_POINT_VALUES + SPECIAL_VALUES)
                    | Q(scale="pass_fail", points__isnull=True, value__in=PASS_FAIL_VALUES + SPECIAL_VALUES)
                    | Q(scale="points", points__isnull=False, value="")
                    | Q(scale="points", points__isnull=True, value__in=SPECIAL_VALUES)
                ),
                name="final_value_on_scale",
                violation_error_message=_("The value does not belong to the scale."),
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(published_at__gte=F("recorded_at")),
                name="final_published_after_recorded",
            ),
        ]

    def __str__(self) -> str:
        return self.shown

    @property
    def shown(self) -> str:
        return str(self.points) if self.points is not None else self.value

    def publication_due(self) -> datetime.datetime:
        return self.recorded_at + PUBLICATION_DEADLINE

    def is_published_at(self, now: datetime.datetime) -> bool:
        return (self.published_at is not None and self.published_at <= now) or self.publication_due() <= now


class FinalMarkChange(AppendOnlyModel):
    """The history of a final: every value it had, who set it and when. Append-only."""

    final = models.ForeignKey(FinalMark, on_delete=models.PROTECT, related_name="history", verbose_name=_("final"))
    old_value = models.CharField(_("was"), max_length=5, blank=True)
    new_value = models.CharField(_("became"), max_length=5)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("final mark change")
        verbose_name_plural = _("final mark history")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.old_value or '—'} → {self.new_value}"


class Deferral(PublicModel):
    """An отсрочка: the period final of an ill student stays open until a due date, which can be extended."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="deferrals", verbose_name=_("student"), db_index=False
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    reason = models.CharField(_("reason"), max_length=255)
    due_on = models.DateField(_("due date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deferral")
        verbose_name_plural = _("deferrals")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["student", "period"], name="deferral_student_period")]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "subject", "period"],
                condition=Q(resolved_at__isnull=True),
                name="deferral_one_open",
                violation_error_message=_("This final is already deferred."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.due_on:%d.%m.%Y}"

    def is_overdue_on(self, day: datetime.date) -> bool:
        return self.resolved_at is None and self.due_on < day


class DeferralExtension(TimeStampedModel):
    """A deferral's due date moved: from when to when, why, by whom."""

    deferral = models.ForeignKey(Deferral, on_delete=models.PROTECT, related_name="extensions")
    old_due_on = models.DateField(_("was due"))
    new_due_on = models.DateField(_("due date"))
    reason = models.CharField(_("reason"), max_length=255)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("deferral extension")
        verbose_name_plural = _("deferral extensions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_due_on__gt=F("old_due_on")),
                name="deferral_extension_later",
                violation_error_message=_("An extension moves the due date later."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_due_on:%d.%m.%Y} → {self.new_due_on:%d.%m.%Y}"
