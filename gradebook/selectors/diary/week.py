"""The diary's week: each day's lessons with their time, teacher, topic, homework, marks and
attendance, the changes to them, and the holidays.

Read in a fixed number of queries whatever the number of lessons and marks: the memberships, the
lessons of the student's classes and groups by ``(class, date)``, and beside them, each read once
for the week, homework files, lesson changes, marks and attendance by ``(student, date)`` (never
through lessons), bells, holidays and control works. The printed weekly extract reads the same.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from ...models import (
    Attendance,
    AttendanceCode,
    BellPeriod,
    ClassMembership,
    ClassUnit,
    ControlWork,
    Employee,
    Holiday,
    Homework,
    HomeworkFile,
    Lesson,
    LessonChange,
    Mark,
    SchoolYear,
    Student,
    StudyGroupMembership,
)
from ...models.curriculum import DEFAULT_ATTENDANCE_CODES
from .enrolment import Enrolment, Standing, bell_times

DAYS_SHOWN = 6  # Monday to Saturday


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclass(frozen=True)
class MovedFrom:
    """Where a moved lesson was: each part only when it differs from where it is now."""

    date: datetime.date | None
    number: int | None
    room: str


@dataclass(frozen=True)
class MovedAway:
    """The place a lesson was moved away from: it stays in the week, pointing to the new place."""

    number: int
    lesson: Lesson
    bell: BellPeriod | None

    is_moved_away = True


@dataclass
class LessonEntry:
    lesson: Lesson
    bell: BellPeriod | None
    homework: Homework | None = None
    files: list[HomeworkFile] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    attendance: Attendance | None = None
    attendance_name: str = ""
    control_works: list[ControlWork] = field(default_factory=list)
    moved_from: MovedFrom | None = None

    is_moved_away = False

    @property
    def number(self) -> int:
        return self.lesson.number

    @property
    def teacher(self) -> Employee:
        """Who teaches it: the substitute when there is one."""
        return self.lesson.conducting_teacher

    @property
    def replaced_teacher(self) -> Employee | None:
        """The lesson's own teacher, when a substitute takes it."""
        return self.lesson.teacher if self.lesson.substitute_id else None

    @property
    def is_changed(self) -> bool:
        return self.lesson.is_changed


@dataclass
class Day:
    date: datetime.date
    is_today: bool
    holidays: list[Holiday] = field(default_factory=list)
    entries: list = field(default_factory=list)
    other_marks: list[Mark] = field(default_factory=list)
    control_works: list[ControlWork] = field(default_factory=list)

    @property
    def holiday(self) -> Holiday | None:
        return self.holidays[0] if self.holidays else None


@dataclass
class Week:
    student: Student
    monday: datetime.date
    days: list[Day]
    class_unit: ClassUnit | None
    today: datetime.date

    @property
    def saturday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=DAYS_SHOWN - 1)

    @property
    def previous(self) -> datetime.date:
        return self.monday - datetime.timedelta(weeks=1)

    @property
    def next(self) -> datetime.date:
        return self.monday + datetime.timedelta(weeks=1)

    @property
    def is_current(self) -> bool:
        return self.monday == monday_of(self.today)


def _attendance_names(school_year_ids) -> dict[tuple[int | None, str], str]:
    """``(school_year_id, code) -> name``: the years' own codes (one query), the defaults under ``None``."""
    names: dict[tuple[int | None, str], str] = {
        (None, code): str(name) for code, name, _excused in DEFAULT_ATTENDANCE_CODES
    }
    rows = AttendanceCode.objects.filter(grading__school_year_id__in=list(school_year_ids))
    for year_id, code, name in rows.values_list("grading__school_year_id", "code", "name"):
        names[(year_id, code)] = name
    return names


def _lessons(enrolment: Enrolment, monday: datetime.date, saturday: datetime.date) -> list[Lesson]:
    """The student's lessons of the week: their classes' and groups' on the days they belong to them."""
    lessons = (
        Lesson.objects.filter(enrolment.q(), date__range=(monday, saturday))
        .select_related("subject", "teacher", "substitute", "homework")
        .order_by("date", "number", "subject__name", "pk")
    )
    return [lesson for lesson in lessons if enrolment.takes(lesson.date, lesson.class_unit_id, lesson.study_group_id)]


def _homework(lesson: Lesson) -> Homework | None:
    try:
        return lesson.homework
    except Homework.DoesNotExist:
        return None


def _files_by_lesson(lessons: list[Lesson]) -> dict[int, list[HomeworkFile]]:
    files: dict[int, list[HomeworkFile]] = defaultdict(list)
    rows = HomeworkFile.objects.filter(homework__lesson__in=[lesson.pk for lesson in lessons], removed_at__isnull=True)
    for file in rows.select_related("homework").order_by("name", "pk"):
        files[file.homework.lesson_id].append(file)
    return files


def _moves_by_lesson(lessons: list[Lesson]) -> dict[int, list[LessonChange]]:
    """The moves of the moved lessons, oldest first."""
    moves: dict[int, list[LessonChange]] = defaultdict(list)
    moved = [lesson.pk for lesson in lessons if lesson.is_moved]
    rows = LessonChange.objects.filter(lesson__in=moved, kind=LessonChange.Kind.MOVE).order_by("created_at", "pk")
    for change in rows:
        moves[change.lesson_id].append(change)
    return moves


def _moved_from(lesson: Lesson, moves: list[LessonChange]) -> MovedFrom | None:
    """Where the lesson stood before its first move (the timetable's place), in the parts that differ."""
    if not moves:
        return None
    change = moves[0]
    moved = MovedFrom(
        date=change.old_date if change.old_date and change.old_date != lesson.date else None,
        number=change.old_number if change.old_number is not None and change.old_number != lesson.number else None,
        room=change.old_room if change.old_room and change.old_room != lesson.room else "",
    )
    return moved if (moved.date or moved.number is not None or moved.room) else None


def _moved_away(enrolment: Enrolment, monday: datetime.date, saturday: datetime.date) -> list[LessonChange]:
    """Moves of the student's lessons away from a place in this week (to another day, lesson or week)."""
    changes = (
        LessonChange.objects.filter(enrolment.q("lesson__"), kind=LessonChange.Kind.MOVE)
        .filter(old_date__range=(monday, saturday))
        .select_related("lesson__subject")
        .order_by("created_at", "pk")
    )
    return [
        change
        for change in changes
        if (change.lesson.date, change.lesson.number) != (change.old_date, change.old_number)
        and enrolment.takes(change.old_date, change.lesson.class_unit_id, change.lesson.study_group_id)
    ]


def _control_works(enrolment: Enrolment, monday: datetime.date, saturday: datetime.date) -> list[ControlWork]:
    works = ControlWork.objects.filter(enrolment.q(), date__range=(monday, saturday)).select_related("subject")
    return [work for work in works if enrolment.takes(work.date, work.class_unit_id, work.study_group_id)]


def _lesson_of(entries: list, work: ControlWork) -> LessonEntry | None:
    """The day's lesson a control work is written at: its lesson, else the same subject (and number)."""
    for entry in entries:
        if entry.is_moved_away:
            continue
        if work.lesson_id == entry.lesson.pk:
            return entry
        if not work.lesson_id and entry.lesson.subject_id == work.subject_id and work.number in (None, entry.number):
            return entry
    return None


def _applies(holiday: Holiday, day: datetime.date, class_unit) -> bool:
    if not holiday.starts_on <= day <= holiday.ends_on:
        return False
    if class_unit is None:
        return True
    return holiday.school_year_id == class_unit.school_year_id and (
        holiday.min_grade <= class_unit.grade_level <= holiday.max_grade
    )


def week_for(student: Student, day: datetime.date, *, today: datetime.date) -> Week:
    """The week (Monday to Saturday) that contains ``day``: a fixed number of queries (``weeks_for``'s)."""
    return weeks_for([student], day, today=today)[student.pk]


def _enrolments(students: list[Student], first: datetime.date, last: datetime.date) -> dict[int, Enrolment]:
    """The enrolment of each student over the dates: two queries for all of them (``enrolment_for``'s)."""
    ids = [student.pk for student in students]
    classes: dict[int, list[ClassMembership]] = defaultdict(list)
    groups: dict[int, list[StudyGroupMembership]] = defaultdict(list)
    span = Q(starts_on__lte=last) & (Q(ends_on__isnull=True) | Q(ends_on__gte=first))
    rows = ClassMembership.objects.filter(span, student_id__in=ids).select_related(
        "class_unit__school_year", "class_unit__class_teacher"
    )
    for membership in rows.order_by("starts_on", "pk"):
        classes[membership.student_id].append(membership)
    for membership in StudyGroupMembership.objects.filter(span, student_id__in=ids).order_by("starts_on", "pk"):
        groups[membership.student_id].append(membership)
    return {
        student.pk: Enrolment(
            student=student,
            first=first,
            last=last,
            classes=tuple(classes[student.pk]),
            groups=tuple(groups[student.pk]),
        )
        for student in students
    }


def enrolments_for(students, first: datetime.date, last: datetime.date | None = None) -> dict[int, Enrolment]:
    """``enrolment_for`` of many students at once: ``student id -> Enrolment`` in two queries."""
    return _enrolments(list(students), first, last or first)


def _standings(enrolments: dict[int, Enrolment], on: datetime.date) -> dict[int, Standing]:
    """``standing_of`` for each enrolment; the students without a class cost one query per school."""
    years: dict[int, SchoolYear | None] = {}
    standings = {}
    for student_id, enrolment in enrolments.items():
        class_unit = enrolment.class_on(on) or enrolment.main_class
        if class_unit is not None:
            standings[student_id] = Standing(class_unit=class_unit, school_year=class_unit.school_year)
            continue
        school_id = enrolment.student.school_id
        if school_id not in years:
            years[school_id] = SchoolYear.objects.filter(school_id=school_id).containing(on).first()
        standings[student_id] = Standing(class_unit=None, school_year=years[school_id])
    return standings


def weeks_for(students, day: datetime.date, *, today: datetime.date) -> dict[int, Week]:
    """``week_for`` of many students at once (a class's paper extracts): ``student id -> Week`` in a fixed
    number of queries whatever the number of students, lessons and marks. The rows of all the students'
    classes and groups are read once and given to each student on the days they belong to them."""
    students = list(students)
    monday = monday_of(day)
    saturday = monday + datetime.timedelta(days=DAYS_SHOWN - 1)
    if not students:
        return {}
    enrolments = _enrolments(students, monday, saturday)
    standings = _standings(enrolments, saturday)
    everyone = Enrolment(
        student=students[0],
        first=monday,
        last=saturday,
        classes=tuple(m for each in enrolments.values() for m in each.classes),
        groups=tuple(m for each in enrolments.values() for m in each.groups),
    )
    year_ids = {m.class_unit.school_year_id for m in everyone.classes}
    year_ids |= {standing.school_year.pk for standing in standings.values() if standing.school_year is not None}

    lessons = _lessons(everyone, monday, saturday)
    files = _files_by_lesson(lessons)
    moves = _moves_by_lesson(lessons)
    ids = [student.pk for student in students]
    marks: dict[int, list[Mark]] = defaultdict(list)
    rows = Mark.objects.filter(student_id__in=ids, date__range=(monday, saturday)).select_related(
        "work_type", "subject"
    )
    for mark in rows.order_by("date", "position", "pk"):
        marks[mark.student_id].append(mark)
    attendance = {
        (entry.student_id, entry.lesson_id): entry
        for entry in Attendance.objects.filter(student_id__in=ids, date__range=(monday, saturday))
    }
    attendance_names = _attendance_names(year_ids)
    bells = bell_times(year_ids)
    holidays = list(Holiday.objects.filter(school_year__in=year_ids, starts_on__lte=saturday, ends_on__gte=monday))
    moved_away = _moved_away(everyone, monday, saturday)
    works = _control_works(everyone, monday, saturday)

    weeks = {}
    for student in students:
        enrolment, standing = enrolments[student.pk], standings[student.pk]

        def class_on(date: datetime.date, enrolment=enrolment, standing=standing):
            return enrolment.class_on(date) or standing.class_unit

        def bell_for(date: datetime.date, number: int, class_on=class_on) -> BellPeriod | None:
            class_unit = class_on(date)
            return bells.get((class_unit.school_year_id, class_unit.shift, number)) if class_unit else None

        days = []
        for offset in range(DAYS_SHOWN):
            date = monday + datetime.timedelta(days=offset)
            applying = [holiday for holiday in holidays if _applies(holiday, date, class_on(date))]
            days.append(Day(date=date, is_today=date == today, holidays=applying))
        by_date = {each.date: each for each in days}
        entries: dict[int, LessonEntry] = {}
        for lesson in lessons:
            if not enrolment.takes(lesson.date, lesson.class_unit_id, lesson.study_group_id):
                continue
            entry = LessonEntry(
                lesson=lesson,
                bell=bell_for(lesson.date, lesson.number),
                homework=_homework(lesson),
                files=files.get(lesson.pk, []),
                attendance=attendance.get((student.pk, lesson.pk)),
                moved_from=_moved_from(lesson, moves.get(lesson.pk, [])),
            )
            if entry.attendance is not None:
                class_unit = class_on(lesson.date)
                code = entry.attendance.code
                year_id = class_unit.school_year_id if class_unit else None
                entry.attendance_name = attendance_names.get((year_id, code)) or attendance_names.get((None, code), "")
            entries[lesson.pk] = entry
            by_date[lesson.date].entries.append(entry)
        for mark in marks.get(student.pk, []):
            if mark.lesson_id in entries:
                entries[mark.lesson_id].marks.append(mark)
            else:
                by_date[mark.date].other_marks.append(mark)
        for change in moved_away:
            if not enrolment.takes(change.old_date, change.lesson.class_unit_id, change.lesson.study_group_id):
                continue
            number = change.old_number if change.old_number is not None else change.lesson.number
            away = MovedAway(number=number, lesson=change.lesson, bell=bell_for(change.old_date, number))
            by_date[change.old_date].entries.append(away)
        for each in days:
            each.entries.sort(key=lambda entry: (entry.number, entry.is_moved_away))
        for work in works:
            if not enrolment.takes(work.date, work.class_unit_id, work.study_group_id):
                continue
            match = _lesson_of(by_date[work.date].entries, work)
            (match.control_works if match is not None else by_date[work.date].control_works).append(work)
        weeks[student.pk] = Week(student=student, monday=monday, days=days, class_unit=standing.class_unit, today=today)
    return weeks
