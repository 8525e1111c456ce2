"""The administrator's view of the journal's timeliness (DOMAIN.md, "Timeliness of the journal").

Per teacher — the one who conducted the lesson: the substitute when there was one — over a range of
days up to yesterday, among the lessons held (not cancelled):

- **without a topic**: the lesson's topic is still empty;
- **topic late**: the topic was entered (``Lesson.topic_entered_at``) on a later day than the lesson,
  in the school's time zone;
- **attendance not on the day**: attendance was taken (``Lesson.attendance_taken_at``: the first entry, or
  the teacher's "everyone was present") on a later day than the lesson, or never. Lessons from before
  that mark count as on time when their first attendance entry was created on the day.
- **homework late**: the lesson's homework was created more than one hour after the end of the last
  lesson of that day of the class (its own lessons and its subgroups'; for a stream, the stream's),
  the end taken from the bell schedule of the class's shift (shift 1 for a stream). Without a bell
  period for that lesson number, the day ends at midnight: late after 01:00 the next day. Homework
  never set is not late.
- **marks late** (written work marked within about a week): the lesson carries a control work, its
  week has passed, and no mark of it was entered within 7 days of the lesson (grade 1 aside: no marks).

Counts are computed in SQL (one aggregate query per time zone of the schools), the drill-down of a
teacher in one query.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncTime

from ..models import Attendance, BellPeriod, ControlWork, Employee, Homework, Lesson, Mark, School

HOMEWORK_GRACE = datetime.timedelta(hours=1)
MARKING_DAYS = 7


def default_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last two weeks up to yesterday."""
    yesterday = today - datetime.timedelta(days=1)
    return yesterday - datetime.timedelta(days=13), yesterday


def _shifted(field_name: str, delta: datetime.timedelta) -> ExpressionWrapper:
    return ExpressionWrapper(F(field_name) - delta, output_field=DateTimeField())


def _held(lessons: QuerySet[Lesson], start: datetime.date, end: datetime.date, today: datetime.date):
    end = min(end, today - datetime.timedelta(days=1))
    return lessons.filter(date__range=(start, end), is_cancelled=False)


def _with_flags(lessons: QuerySet[Lesson], zone, today: datetime.date) -> QuerySet[Lesson]:
    """Each lesson with ``topic_late``, ``attendance_on_time``, ``homework_late``, ``marks_due`` and
    ``marks_on_time`` (booleans) and ``day_ends_at`` (the end of the class's last lesson that day)."""
    last_number = Subquery(
        Lesson.objects.filter(date=OuterRef("date"), is_cancelled=False)
        .filter(
            Q(class_unit=OuterRef("day_class"))
            | Q(study_group__class_unit=OuterRef("day_class"))
            | Q(study_group=OuterRef("study_group"))
        )
        .order_by("-number")
        .values("number")[:1]
    )
    day_ends_at = Subquery(
        BellPeriod.objects.filter(
            school_year=OuterRef("year_id"), shift=OuterRef("shift"), number=OuterRef("last_number")
        )
        .order_by()
        .values("ends_at")[:1]
    )
    attendance_on_time = Q(attendance_day__lte=F("date")) | Exists(
        Attendance.objects.filter(lesson=OuterRef("pk"))
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .filter(day__lte=OuterRef("date"))
    )
    homework_late = Exists(
        Homework.objects.filter(lesson=OuterRef("pk"))
        .annotate(
            # created_at − 1 hour, on the school's clock, against the end of the day's last lesson
            day=TruncDate(_shifted("created_at", HOMEWORK_GRACE), tzinfo=zone),
            at=TruncTime(_shifted("created_at", HOMEWORK_GRACE), tzinfo=zone),
        )
        .filter(Q(day__gt=OuterRef("date")) | Q(day=OuterRef("date"), at__gt=OuterRef("day_ends_at")))
    )
    marks_on_time = Exists(
        Mark.objects.filter(lesson=OuterRef("pk"))
        .annotate(day=TruncDate(_shifted("created_at", datetime.timedelta(days=MARKING_DAYS)), tzinfo=zone))
        .filter(day__lte=OuterRef("date"))
    )
    week_ago = today - datetime.timedelta(days=MARKING_DAYS)
    marks_due = Q(date__lt=week_ago) & Exists(ControlWork.objects.filter(lesson=OuterRef("pk")))
    no_marks = Q(class_unit__grade_level=1) | Q(study_group__class_unit__grade_level=1)
    return lessons.annotate(
        conductor=Coalesce("substitute", "teacher"),
        day_class=Coalesce("class_unit", "study_group__class_unit"),
        year_id=Coalesce("class_unit__school_year", "study_group__school_year"),
        shift=Coalesce("class_unit__shift", "study_group__class_unit__shift", Value(1)),
        last_number=last_number,
        day_ends_at=day_ends_at,
        topic_day=TruncDate("topic_entered_at", tzinfo=zone),
        topic_late=ExpressionWrapper(~Q(topic="") & Q(topic_day__gt=F("date")), output_field=BooleanField()),
        attendance_day=TruncDate("attendance_taken_at", tzinfo=zone),
        # Case, not a bare condition: without a mark the comparison is NULL, and NULL must count as late.
        attendance_on_time=Case(When(attendance_on_time, then=Value(True)), default=Value(False)),
        homework_late=homework_late,
        marks_due=ExpressionWrapper(marks_due & ~no_marks, output_field=BooleanField()),
        marks_on_time=marks_on_time,
    )


@dataclass
class TeacherTimeliness:
    teacher: Employee
    held: int
    without_topic: int
    topic_late: int
    attendance_late: int
    homework_late: int
    marks_late: int

    @property
    def issues(self) -> int:
        return self.without_topic + self.topic_late + self.attendance_late + self.homework_late + self.marks_late


def timeliness_rows(
    schools: QuerySet[School], start: datetime.date, end: datetime.date, today: datetime.date
) -> list[TeacherTimeliness]:
    """One row per teacher who conducted lessons in the range: how many, and how many were late in each
    way; most problems first. One query for the schools' zones, one per zone, one for the teachers."""
    zones = defaultdict(list)
    for school_id, zone in schools.values_list("pk", "time_zone"):
        zones[zone].append(school_id)
    counts = {}
    for zone, school_ids in zones.items():
        lessons = _with_flags(
            _held(Lesson.objects.filter(school__in=school_ids), start, end, today), zoneinfo.ZoneInfo(zone), today
        )
        rows = lessons.values("conductor").annotate(
            held=Count("pk"),
            without_topic=Count("pk", filter=Q(topic="")),
            late_topic=Count("pk", filter=Q(topic_late=True)),
            late_attendance=Count("pk", filter=Q(attendance_on_time=False)),
            late_homework=Count("pk", filter=Q(homework_late=True)),
            late_marks=Count("pk", filter=Q(marks_due=True, marks_on_time=False)),
        )
        counts.update({row["conductor"]: row for row in rows.order_by()})
    teachers = Employee.objects.in_bulk(list(counts))
    result = [
        TeacherTimeliness(
            teacher=teachers[teacher_id],
            held=row["held"],
            without_topic=row["without_topic"],
            topic_late=row["late_topic"],
            attendance_late=row["late_attendance"],
            homework_late=row["late_homework"],
            marks_late=row["late_marks"],
        )
        for teacher_id, row in counts.items()
    ]
    result.sort(key=lambda row: (-row.issues, row.teacher.surname, row.teacher.name, row.teacher.pk))
    return result


@dataclass
class TeacherTimelinessDetail:
    """A teacher's late lessons, by what is late."""

    teacher: Employee
    held: int = 0
    without_topic: list[Lesson] = field(default_factory=list)
    topic_late: list[Lesson] = field(default_factory=list)
    attendance_late: list[Lesson] = field(default_factory=list)
    homework_late: list[Lesson] = field(default_factory=list)
    marks_late: list[Lesson] = field(default_factory=list)


def timeliness_detail(
    teacher: Employee, start: datetime.date, end: datetime.date, today: datetime.date
) -> TeacherTimelinessDetail:
    """The teacher's lessons in the range that are late in some way, with when each thing was entered
    (``attendance_at``, ``homework_at``, ``homework_due``): one query."""
    school = School.objects.only("time_zone").get(pk=teacher.school_id)
    zone = school.zone
    conducted = Lesson.objects.filter(Q(substitute=teacher) | Q(substitute__isnull=True, teacher=teacher))
    lessons = (
        _with_flags(_held(conducted, start, end, today), zone, today)
        .annotate(
            attendance_at=Coalesce(
                "attendance_taken_at",
                Subquery(
                    Attendance.objects.filter(lesson=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
                ),
            ),
            homework_at=Subquery(Homework.objects.filter(lesson=OuterRef("pk")).values("created_at")[:1]),
        )
        .select_related("class_unit", "study_group", "subject")
        .order_by("date", "number", "pk")
    )
    detail = TeacherTimelinessDetail(teacher=teacher)
    for lesson in lessons:
        detail.held += 1
        if not lesson.topic:
            detail.without_topic.append(lesson)
        if lesson.topic_late:
            detail.topic_late.append(lesson)
        if not lesson.attendance_on_time:
            detail.attendance_late.append(lesson)
        if lesson.homework_late:
            lesson.homework_due = _deadline(lesson, zone)
            detail.homework_late.append(lesson)
        if lesson.marks_due and not lesson.marks_on_time:
            detail.marks_late.append(lesson)
    return detail


def _deadline(lesson: Lesson, zone) -> datetime.datetime:
    """When the lesson's homework was due: an hour after the day's last lesson (or after midnight)."""
    if lesson.day_ends_at is not None:
        ends = datetime.datetime.combine(lesson.date, lesson.day_ends_at, tzinfo=zone)
    else:
        ends = datetime.datetime.combine(lesson.date + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone)
    return ends + HOMEWORK_GRACE
