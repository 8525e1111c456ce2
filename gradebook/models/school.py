"""The school, its years, reporting periods and holidays."""

import zoneinfo

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import PublicModel, ends_after_start

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class School(PublicModel):
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100)
    address = models.CharField(_("address"), max_length=255, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/Moscow")

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class SchoolYearQuerySet(models.QuerySet):
    def containing(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class SchoolYear(PublicModel):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="years", verbose_name=_("school"))
    title = models.CharField(_("title"), max_length=20, help_text=_("For example 2026/2027."))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["school", "starts_on"], name="schoolyear_unique_start"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="schoolyear_ends_after_start",
                violation_error_message=_("The school year must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReportingPeriod(PublicModel):
    class Kind(models.TextChoices):
        QUARTER = "quarter", _("quarter")
        TRIMESTER = "trimester", _("trimester")
        HALF_YEAR = "half_year", _("half-year")
        YEAR = "year", _("year")

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="periods", verbose_name=_("school year")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(_("number"), default=1)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    min_grade = models.PositiveSmallIntegerField(_("from grade"), default=1)
    max_grade = models.PositiveSmallIntegerField(_("to grade"), default=11)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["school_year", "min_grade", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "kind", "number", "min_grade"], name="period_unique_per_scheme"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="period_ends_after_start",
                violation_error_message=_("The period must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(min_grade__gte=1, max_grade__lte=11, min_grade__lte=F("max_grade")),
                name="period_grade_range",
                violation_error_message=_("Grades run from 1 to 11, the first not above the last."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="period_number_positive"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.YEAR:
            return str(self.get_kind_display())
        return f"{self.number} {self.get_kind_display()}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Holiday(PublicModel):
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="holidays", verbose_name=_("school year")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    min_grade = models.PositiveSmallIntegerField(_("from grade"), default=1)
    max_grade = models.PositiveSmallIntegerField(_("to grade"), default=11)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["starts_on"]
        constraints = [
            ends_after_start("holiday_ends_after_start"),
            models.CheckConstraint(
                condition=Q(min_grade__gte=1, max_grade__lte=11, min_grade__lte=F("max_grade")),
                name="holiday_grade_range",
                violation_error_message=_("Grades run from 1 to 11, the first not above the last."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
