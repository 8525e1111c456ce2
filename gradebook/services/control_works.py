"""Control works (оценочные процедуры): planning them, and the federal recommendations the planner
warns about (DOMAIN.md, "Control works").

Errors refuse a plan: grade 1 (no marks, no control works), a date outside the school year, on a
Sunday or in the holidays. Warnings do not: the planner reads them and confirms. The rules are one
pure function, ``control_work_warnings``, over facts that ``selectors.control_works.warning_facts``
loads in a bounded number of queries; the planner's form and the administrator's schedule both call
it.

The warnings, and how they read the data:
1. at most one control work per class per day (two different groups of a class, or two streams,
   are taken as different students: English group 1 and group 2 writing on the same day is fine);
2. not in the first or last lesson of the class's day (the class's own lessons and its subgroups'
   that day; the weekly timetable when no lessons are generated yet), unless the subject has at most
   one lesson a week for that class or group (timetable entries, an alternate-week entry counting
   half; the lessons of that week when there is no timetable);
3. at most one per subject per grade level every 2.5 weeks: another control work of the subject in
   the grade level on a different day less than 17 days away (works on the same day in several
   classes of the grade level are one procedure);
4. in total at most 10 % of the subject's hours in the reporting period, for that class or group:
   planned hours from the curriculum (the class's line before the grade level's; a period's line
   before the year's, prorated by the period's share of the year's periods), or else the period's
   lessons of the subject.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from .. import access, signals
from ..models import ClassMembership, ClassUnit, ControlWork, Holiday, Lesson, StudyGroup, Subject

# The federal recommendations (DOMAIN.md): the window of rule 3 and the share of rule 4.
GRADE_LEVEL_WINDOW_DAYS = 17
HOURS_SHARE = Decimal("0.1")
TOPIC_MAX_LENGTH = 255


# --- The rules (pure) -----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkSlot:
    """A control work as the rules see it (one being planned has ``id`` None)."""

    id: int | None
    class_unit_id: int | None
    study_group_id: int | None
    class_ids: frozenset[int]  # the classes whose students write it
    grade_level: int | None
    subject_id: int
    date: datetime.date
    number: int | None  # the lesson number, when known
    period_id: int | None = None  # the reporting period the date falls in
    label: str = ""  # "5А, Математика" in messages about this work

    @property
    def unit(self) -> tuple[str, int]:
        return ("class", self.class_unit_id) if self.class_unit_id else ("group", self.study_group_id)


@dataclass
class WarningFacts:
    """What the rules need to know around the works they check.

    ``works``: the stored control works around (the checked ones among them are skipped by id);
    ``day_lessons``: (class id, date) → (first, last) lesson number of the class's day;
    ``lessons_a_week``: (unit, subject id) → lessons a week of the subject for that class or group;
    ``period_hours``: (unit, subject id, period id) → the subject's hours in the period.
    """

    works: list[WorkSlot] = field(default_factory=list)
    day_lessons: dict[tuple[int, datetime.date], tuple[int, int]] = field(default_factory=dict)
    lessons_a_week: dict[tuple[tuple[str, int], int], Decimal] = field(default_factory=dict)
    period_hours: dict[tuple[tuple[str, int], int, int], Decimal] = field(default_factory=dict)

    @cached_property
    def _by_date(self) -> dict[datetime.date, list[WorkSlot]]:
        index = defaultdict(list)
        for work in self.works:
            index[work.date].append(work)
        return index

    @cached_property
    def _by_unit_subject_period(self) -> dict[tuple, list[WorkSlot]]:
        index = defaultdict(list)
        for work in self.works:
            index[(work.unit, work.subject_id, work.period_id)].append(work)
        return index

    def on(self, day: datetime.date) -> list[WorkSlot]:
        return self._by_date.get(day, [])

    def of_unit(self, unit, subject_id: int, period_id: int) -> list[WorkSlot]:
        return self._by_unit_subject_period.get((unit, subject_id, period_id), [])


def _same_students(one: WorkSlot, other: WorkSlot) -> bool:
    """Whether two works are written by the same students, as far as the rules tell."""
    if one.study_group_id and other.study_group_id:
        return one.study_group_id == other.study_group_id
    return bool(one.class_ids & other.class_ids)


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _hours(hours: Decimal) -> str:
    """34 hours, or 8.5 for a prorated line."""
    return formats.number_format(hours.quantize(Decimal("0.1")).normalize() if hours % 1 else int(hours))


def control_work_warnings(work: WorkSlot, facts: WarningFacts) -> list[str]:
    """The federal recommendations this work breaks, as translated sentences (empty: none)."""
    warnings: list[str] = []

    def others(works: Iterable[WorkSlot]) -> list[WorkSlot]:
        return [other for other in works if work.id is None or other.id != work.id]

    # 1. One a day per class.
    same_day = [other for other in others(facts.on(work.date)) if _same_students(work, other)]
    if same_day:
        warnings.append(
            _("More than one control work on %(date)s for the same students: also %(others)s.")
            % {"date": _day(work.date), "others": "; ".join(other.label for other in same_day)}
        )

    # 2. Not in the first or last lesson, unless the subject has one lesson a week.
    weekly = facts.lessons_a_week.get((work.unit, work.subject_id))
    if work.number is not None and not (weekly is not None and weekly <= 1):
        positions = set()
        for class_id in sorted(work.class_ids):
            bounds = facts.day_lessons.get((class_id, work.date))
            if bounds is None:
                continue
            if work.number == bounds[0]:
                positions.add("first")
            if work.number == bounds[1]:
                positions.add("last")
        if "first" in positions:
            warnings.append(_("In the first lesson of the day (lesson %(number)s).") % {"number": work.number})
        if "last" in positions:
            warnings.append(_("In the last lesson of the day (lesson %(number)s).") % {"number": work.number})

    # 3. One per subject per grade level every 2.5 weeks.
    if work.grade_level is not None:
        near = []
        for shift in range(-(GRADE_LEVEL_WINDOW_DAYS - 1), GRADE_LEVEL_WINDOW_DAYS):
            if shift == 0:
                continue
            day = work.date + datetime.timedelta(days=shift)
            near += [
                other
                for other in others(facts.on(day))
                if other.subject_id == work.subject_id and other.grade_level == work.grade_level
            ]
        if near:
            warnings.append(
                _(
                    "Another control work in this subject in grade %(grade)s less than 2.5 weeks "
                    "(%(days)s days) away: %(others)s."
                )
                % {
                    "grade": work.grade_level,
                    "days": GRADE_LEVEL_WINDOW_DAYS,
                    "others": "; ".join(f"{_day(other.date)} {other.label}" for other in near),
                }
            )

    # 4. At most 10 % of the subject's hours in the period.
    if work.period_id is not None:
        hours = facts.period_hours.get((work.unit, work.subject_id, work.period_id))
        if hours:
            count = 1 + len(others(facts.of_unit(work.unit, work.subject_id, work.period_id)))
            if count > hours * HOURS_SHARE:
                warnings.append(
                    _("%(count)s control works in this subject in the period: more than 10%% of its %(hours)s hours.")
                    % {"count": count, "hours": _hours(hours)}
                )
    return warnings


# --- Checks that refuse ---------------------------------------------------------------------


def group_grade_level(group: StudyGroup) -> int | None:
    """The grade level of a group: its class's, or for a stream the lowest of its members' classes."""
    if group.class_unit_id:
        return group.class_unit.grade_level
    levels = ClassMembership.objects.filter(
        student__group_memberships__group=group, class_unit__school_year=group.school_year_id
    ).values_list("class_unit__grade_level", flat=True)
    return min(levels, default=None)


def _school_year_of(class_unit: ClassUnit | None, study_group: StudyGroup | None):
    return (class_unit or study_group).school_year


def control_work_check(
    *,
    class_unit: ClassUnit | None = None,
    study_group: StudyGroup | None = None,
    subject: Subject,
    date: datetime.date,
    number: int | None = None,
    topic: str | None = None,
    kind: str | None = None,
) -> int | None:
    """Refuse what may never be planned (ValidationError); return the work's grade level.

    ``topic`` and ``kind`` are checked when given (the planner's form checks them itself)."""
    if (class_unit is None) == (study_group is None):
        raise ValidationError(_("Choose a class or a group."))
    year = _school_year_of(class_unit, study_group)
    if subject.school_id != year.school_id:
        raise ValidationError({"subject": _("This subject belongs to another school.")})
    grade = class_unit.grade_level if class_unit else group_grade_level(study_group)
    if grade == 1:
        raise ValidationError(_("Grade 1 learns without marks: it writes no control works."))
    errors = {}
    if not year.starts_on <= date <= year.ends_on:
        errors["date"] = _("The date lies outside the school year %(year)s (%(start)s – %(end)s).") % {
            "year": year.title,
            "start": _day(year.starts_on),
            "end": _day(year.ends_on),
        }
    elif date.isoweekday() == 7:
        errors["date"] = _("There are no lessons on Sunday.")
    else:
        holidays = Holiday.objects.filter(school_year=year, starts_on__lte=date, ends_on__gte=date)
        if grade is not None:
            holidays = holidays.filter(min_grade__lte=grade, max_grade__gte=grade)
        holiday = holidays.first()
        if holiday is not None:
            errors["date"] = _("%(date)s falls in the holidays (%(name)s).") % {
                "date": _day(date),
                "name": holiday.name,
            }
    if number is not None and not 0 <= number <= 12:
        errors["number"] = _("A lesson number runs from 0 to 12.")
    if topic is not None and not topic.strip():
        errors["topic"] = _("Give the topic of the control work.")
    elif topic is not None and len(topic.strip()) > TOPIC_MAX_LENGTH:
        errors["topic"] = _("The topic is at most %(max)s characters long.") % {"max": TOPIC_MAX_LENGTH}
    if kind is not None and kind not in ControlWork.Kind.values:
        errors["kind"] = _("Choose the kind of the control work.")
    if errors:
        raise ValidationError(errors)
    return grade


def _lesson_for(*, class_unit, study_group, subject, date, number) -> Lesson | None:
    """The lesson the work is written in: that subject's lesson of the class or group that day (at that
    number, when given); none when there is no such lesson or the day has several and no number."""
    lessons = Lesson.objects.filter(
        class_unit=class_unit, study_group=study_group, subject=subject, date=date, is_cancelled=False
    )
    if number is not None:
        lessons = lessons.filter(number=number)
    found = list(lessons.order_by("number")[:2])
    return found[0] if len(found) == 1 else None


def lesson_place(*, class_unit, study_group, subject, date, number) -> tuple[Lesson | None, int | None]:
    """The linked lesson and the lesson number a work gets (the lesson's, when it is found)."""
    lesson = _lesson_for(class_unit=class_unit, study_group=study_group, subject=subject, date=date, number=number)
    return lesson, (lesson.number if lesson is not None else number)


# --- Writes ---------------------------------------------------------------------------------


@transaction.atomic
def control_work_plan(
    *,
    class_unit: ClassUnit | None = None,
    study_group: StudyGroup | None = None,
    subject: Subject,
    date: datetime.date,
    number: int | None = None,
    topic: str,
    kind: str = ControlWork.Kind.TEST,
    by,
) -> ControlWork:
    """Plan a control work of a class or group in a subject; link the lesson of that day (and number).

    Only a teacher with a current assignment for it, or an administrator of the school (PermissionDenied
    otherwise); grade 1, a date outside the school year, a Sunday or a holiday are refused
    (ValidationError). Warnings do not block: the caller has shown them.
    """
    if not access.can_plan_control_work(by, subject=subject, class_unit=class_unit, study_group=study_group):
        raise PermissionDenied
    target = {"class_unit": class_unit, "study_group": study_group, "subject": subject}
    control_work_check(**target, date=date, number=number, topic=topic, kind=kind)
    lesson, number = lesson_place(**target, date=date, number=number)
    work = ControlWork.objects.create(
        school_id=subject.school_id,
        class_unit=class_unit,
        study_group=study_group,
        subject=subject,
        lesson=lesson,
        date=date,
        number=number,
        topic=topic.strip(),
        kind=kind,
        created_by=by,
    )
    signals.control_work_scheduled.send(sender=ControlWork, control_work=work, by=by)
    return work


@transaction.atomic
def control_work_update(
    *, control_work: ControlWork, date: datetime.date, number: int | None = None, topic: str, kind: str, by
) -> ControlWork:
    """Move or rename a planned control work. A new date or lesson announces it again
    (``control_work_scheduled``): families see the new schedule."""
    work = (
        ControlWork.objects.select_for_update(of=("self",))
        .select_related("class_unit", "study_group", "subject")
        .get(pk=control_work.pk)
    )
    target = {"class_unit": work.class_unit, "study_group": work.study_group, "subject": work.subject}
    if not access.can_plan_control_work(by, **target):
        raise PermissionDenied
    control_work_check(**target, date=date, number=number, topic=topic, kind=kind)
    lesson, number = lesson_place(**target, date=date, number=number)
    moved = (work.date, work.number) != (date, number)
    work.date, work.number, work.lesson = date, number, lesson
    work.topic, work.kind = topic.strip(), kind
    work.save(update_fields=["date", "number", "lesson", "topic", "kind", "updated_at"])
    if moved:
        signals.control_work_scheduled.send(sender=ControlWork, control_work=work, by=by)
    return work


@transaction.atomic
def control_work_cancel(*, control_work: ControlWork, by) -> None:
    """Take a planned control work off the schedule (the row goes: the model keeps no status)."""
    work = ControlWork.objects.select_related("class_unit", "study_group", "subject").get(pk=control_work.pk)
    if not access.can_plan_control_work(
        by, subject=work.subject, class_unit=work.class_unit, study_group=work.study_group
    ):
        raise PermissionDenied
    public_id, school_id = work.public_id, work.school_id
    work.delete()
    signals.records_removed.send(sender=ControlWork, public_ids=[public_id], school_id=school_id, by=by)
