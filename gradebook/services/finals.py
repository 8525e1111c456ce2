"""Finals: record one (the teacher decides; the engine's proposal is kept beside it), publish it, and
the 24-hour sweep (DOMAIN.md, "Finals").

A final reaches families when the teacher confirms it or, at the latest, 24 hours after it was first
recorded: ``FinalMarkQuerySet.published`` applies the rule when reading, so a stopped worker delays
nothing. The sweep only stamps ``published_at`` on those that passed the 24 hours unconfirmed and
announces them (``final_published``), each once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access, signals
from ..models import (
    ClassMembership,
    Deferral,
    FinalMark,
    FinalMarkChange,
    GradingSettings,
    Mark,
    ReportingPeriod,
    Student,
    Subject,
)
from ..models.finals import (
    FIVE_POINT_VALUES,
    NOT_ASSESSED,
    PASS_FAIL_VALUES,
    PUBLICATION_DEADLINE,
    SPECIAL_VALUES,
)
from .grading import Rules, proposal

MAX_POINTS = 100
# What teachers type for н/а besides the exact spelling.
_ALIASES = {"на": NOT_ASSESSED, "н\\а": NOT_ASSESSED, "н.а": NOT_ASSESSED, "н/a": NOT_ASSESSED, "n/a": NOT_ASSESSED}


def rules_for(school_year) -> Rules:
    """The grading rules of a school year (its settings, or DOMAIN.md's defaults)."""
    return Rules.of(GradingSettings.objects.filter(school_year=school_year).first())


def period_proposal(*, student: Student, subject: Subject, period: ReportingPeriod, rules: Rules) -> str:
    marks = Mark.objects.filter(
        student=student, subject=subject, date__range=(period.starts_on, period.ends_on)
    ).values_list("value", "weight")
    return proposal(marks, rules)


def parse_value(text: str, *, kind: str, scale: str = FinalMark.Scale.FIVE_POINT) -> tuple[str, str, int | None]:
    """(scale, value, points) from what the teacher typed; a clear message when it is not on the scale."""
    raw = (text or "").strip().lower()
    raw = _ALIASES.get(raw, raw)
    if kind == FinalMark.Kind.EXAM and scale == FinalMark.Scale.POINTS:
        if raw in SPECIAL_VALUES:
            return scale, raw, None
        if raw.isdigit() and int(raw) <= MAX_POINTS:
            return scale, "", int(raw)
        raise ValidationError(
            _("%(value)s is not a result in points: a whole number from 0 to 100, н/а or осв.") % {"value": text},
            code="off_scale",
        )
    if kind == FinalMark.Kind.EXAM and scale == FinalMark.Scale.PASS_FAIL:
        if raw in PASS_FAIL_VALUES + SPECIAL_VALUES:
            return scale, raw, None
        raise ValidationError(
            _("%(value)s is not a pass/fail result: зач, незач, н/а or осв.") % {"value": text}, code="off_scale"
        )
    if raw in PASS_FAIL_VALUES:
        return FinalMark.Scale.PASS_FAIL, raw, None
    if raw in FIVE_POINT_VALUES + SPECIAL_VALUES:
        return FinalMark.Scale.FIVE_POINT, raw, None
    raise ValidationError(
        _("%(value)s is not a final: 5, 4, 3, 2, 1, н/а, осв, зач or незач.") % {"value": text}, code="off_scale"
    )


def _grade_level(student: Student, school_year, day: datetime.date) -> int | None:
    membership = (
        ClassMembership.objects.filter(student=student, class_unit__school_year=school_year, starts_on__lte=day)
        .order_by("-starts_on")
        .select_related("class_unit")
        .first()
    )
    return membership.class_unit.grade_level if membership else None


@transaction.atomic
def final_record(
    *,
    by,
    student: Student,
    subject: Subject,
    kind: str,
    value: str,
    school_year=None,
    period: ReportingPeriod | None = None,
    exam: str = "",
    scale: str = FinalMark.Scale.FIVE_POINT,
    publish: bool = False,
    class_unit=None,
    study_group=None,
) -> FinalMark:
    """Record (or change) a final. The teacher decides the value; the engine's proposal is kept beside it.

    ``publish`` confirms it at once. A change to a final families already see is published at once too
    (they must not keep reading the old value). Recording a period final resolves its open deferral.
    """
    if not access.can_set_finals(by, subject=subject, class_unit=class_unit, study_group=study_group):
        raise PermissionDenied(_("Only the subject's teacher or an administrator sets this final."))
    school_year = period.school_year if period is not None else school_year
    if kind == FinalMark.Kind.PERIOD and period is None:
        raise ValidationError(_("Choose the reporting period."), code="no_period")
    if kind != FinalMark.Kind.PERIOD:
        period = None
    if kind == FinalMark.Kind.EXAM and exam not in FinalMark.Exam.values:
        raise ValidationError(_("Choose the exam."), code="no_exam")
    if kind != FinalMark.Kind.EXAM:
        exam, scale = "", FinalMark.Scale.FIVE_POINT
    scale, clean, points = parse_value(value, kind=kind, scale=scale)
    now = timezone.now()
    if (
        clean not in (*SPECIAL_VALUES, *PASS_FAIL_VALUES)
        and points is None
        and _grade_level(student, school_year, min(now.date(), school_year.ends_on)) == 1
    ):
        raise ValidationError(_("Grade 1 learns without marks: its finals are зач, незач, осв or н/а."), code="grade_1")
    rules = rules_for(school_year)
    proposed = (
        period_proposal(student=student, subject=subject, period=period, rules=rules)
        if kind == FinalMark.Kind.PERIOD
        else ""
    )
    final = (
        FinalMark.objects.select_for_update()
        .filter(student=student, subject=subject, school_year=school_year, kind=kind, period=period, exam=exam)
        .first()
    )
    shown_before = ""
    if final is None:
        final = FinalMark(
            school_id=student.school_id,
            school_year=school_year,
            student=student,
            subject=subject,
            kind=kind,
            period=period,
            exam=exam,
            recorded_at=now,
        )
    else:
        shown_before = final.shown
        if shown_before == (str(points) if points is not None else clean) and final.scale == scale:
            if publish:
                return final_publish(final=final, by=by)
            return final
    was_public = final.pk is not None and final.is_published_at(now)
    final.scale, final.value, final.points = scale, clean, points
    final.proposed = proposed
    final.recorded_by = by
    announce = publish or was_public
    if announce:
        final.published_at, final.published_by = now, by
    final.save()
    FinalMarkChange.objects.create(final=final, old_value=shown_before, new_value=final.shown, changed_by=by)
    if kind == FinalMark.Kind.PERIOD:
        Deferral.objects.filter(student=student, subject=subject, period=period, resolved_at__isnull=True).update(
            resolved_at=now
        )
    if announce:
        signals.final_published.send(sender=FinalMark, final=final, by=by)
    return final


@transaction.atomic
def final_publish(*, final: FinalMark, by) -> FinalMark:
    """The teacher's confirmation: families see the final at once. Publishing twice changes nothing."""
    final = FinalMark.objects.select_for_update().get(pk=final.pk)
    if final.published_at is not None:
        return final
    final.published_at, final.published_by = timezone.now(), by
    final.save(update_fields=["published_at", "published_by", "updated_at"])
    signals.final_published.send(sender=FinalMark, final=final, by=by)
    return final


@transaction.atomic
def finals_record(
    *, by, entries: list[tuple[Student, str]], subject: Subject, kind: str, publish: bool = False, **column
) -> list[FinalMark]:
    """Record a column of finals (a journal's period, year, exam or final mark) all or nothing.

    Every row is tried; when any is refused, a ``ValidationError`` keyed by the students' public ids
    carries each refused row's messages and nothing is saved. ``column``: ``final_record``'s school_year,
    period, exam, scale, class_unit and study_group."""
    finals, errors = [], {}
    for student, value in entries:
        try:
            finals.append(
                final_record(by=by, student=student, subject=subject, kind=kind, value=value, publish=publish, **column)
            )
        except ValidationError as failure:
            errors[str(student.public_id)] = failure.messages
    if errors:
        raise ValidationError(errors)
    return finals


@transaction.atomic
def finals_publish(*, finals: Iterable[FinalMark], by) -> int:
    """The teacher's confirmation of several finals at once; returns how many it published."""
    waiting = [final for final in finals if final.published_at is None]
    for final in waiting:
        final_publish(final=final, by=by)
    return len(waiting)


def finals_publish_overdue(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """The sweep: stamp the finals that passed 24 hours unconfirmed and announce each once.

    ``published_at`` becomes the moment the rule made it visible (recorded + 24 h). Rows are locked
    and skipped when another sweep holds them, so two sweeps never announce one final twice.
    """
    now = now or timezone.now()
    stamped = 0
    while True:
        with transaction.atomic():
            finals = list(
                FinalMark.objects.overdue_for_stamp(now)
                .select_for_update(skip_locked=True)
                .order_by("recorded_at", "pk")[:batch]
            )
            for final in finals:
                final.published_at = final.recorded_at + PUBLICATION_DEADLINE
                final.save(update_fields=["published_at", "updated_at"])
                signals.final_published.send(sender=FinalMark, final=final, by=None)
        stamped += len(finals)
        if len(finals) < batch:
            return stamped


def _require_deferrable(by, student: Student) -> None:
    if not access.can_manage_deferral(by, student):
        raise PermissionDenied(_("Only the class teacher or an administrator defers a final."))


@transaction.atomic
def deferral_record(
    *, by, student: Student, subject: Subject, period: ReportingPeriod, reason: str, due_on: datetime.date
) -> Deferral:
    """Defer a student's period final (отсрочка): it stays open, shown as "отсрочка", until the due date."""
    _require_deferrable(by, student)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the deferral."), code="no_reason")
    if due_on <= period.ends_on:
        raise ValidationError(_("The due date comes after the end of the period."), code="due_too_early")
    if due_on > period.school_year.ends_on + datetime.timedelta(days=100):
        raise ValidationError(_("The due date is too far after the school year."), code="due_too_late")
    existing = FinalMark.objects.filter(student=student, subject=subject, kind=FinalMark.Kind.PERIOD, period=period)
    if existing.exclude(value=NOT_ASSESSED).exists():
        raise ValidationError(
            _("This final is already set: change the final instead of deferring it."), code="final_set"
        )
    if Deferral.objects.filter(student=student, subject=subject, period=period, resolved_at__isnull=True).exists():
        raise ValidationError(_("This final is already deferred: extend the deferral instead."), code="deferred")
    return Deferral.objects.create(
        school_id=student.school_id,
        student=student,
        subject=subject,
        period=period,
        reason=reason,
        due_on=due_on,
        recorded_by=by,
    )


@transaction.atomic
def deferral_extend(*, by, deferral: Deferral, due_on: datetime.date, reason: str) -> Deferral:
    """Move an open deferral's due date later, keeping the old one in its extensions."""
    deferral = Deferral.objects.select_for_update().select_related("student", "period__school_year").get(pk=deferral.pk)
    _require_deferrable(by, deferral.student)
    if deferral.resolved_at is not None:
        raise ValidationError(_("The final is already set: the deferral is over."), code="resolved")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the extension."), code="no_reason")
    if due_on <= deferral.due_on:
        raise ValidationError(_("An extension moves the due date later."), code="not_later")
    if due_on > deferral.period.school_year.ends_on + datetime.timedelta(days=100):
        raise ValidationError(_("The due date is too far after the school year."), code="due_too_late")
    deferral.extensions.create(old_due_on=deferral.due_on, new_due_on=due_on, reason=reason, recorded_by=by)
    deferral.due_on = due_on
    deferral.save(update_fields=["due_on", "updated_at"])
    return deferral
