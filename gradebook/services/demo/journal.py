"""Writes the demo journal (``journal_plan``, ``journal_records``) with bulk inserts.

Bells, the timetable, lessons (each batch returns its ids), their changes and control works go
first; then, class by class, homework, marks, attendance and recommendations, flushed every
``BATCH_SIZE`` rows, so that a benchmark school never holds all its marks in memory. The queries
are one per batch of each table: they grow with the rows written, never with the number of
classes or students. History (``JournalChange``) starts after the demo: none is written.

The rows keep the times the plan gives them (a mark recorded during its lesson, a written work's
marks within the week, homework entered late now and then), not the time of the build: the
timeliness report reads them. Only the eight demo logins exist, so what a teacher without a login
recorded is recorded by the director's login (``admin``). Today's lessons and later ones are left
empty for the teachers to fill in.

Size: the journal grows with the school and the date. The default school on 25 November (twelve
weeks) is about 11 000 lessons and 77 000 marks, built in about 8 s on PostgreSQL or SQLite; a
benchmark school of 50 000 students then is 870 000 lessons and 6.7 million marks (2 GB of
database), about 20 minutes and 2 GB of memory.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models as db_models

from gradebook import models

from .build import People
from .dates import SchoolCalendar
from .journal_plan import JournalPlan, PlannedLesson, plan_journal
from .journal_records import class_journals
from .journal_timetable import bell_schedule
from .plan import SchoolPlan

BATCH_SIZE = 5000


@dataclass(frozen=True)
class JournalCounts:
    timetable_entries: int = 0
    lessons: int = 0
    lesson_changes: int = 0
    control_works: int = 0
    homework: int = 0
    marks: int = 0
    attendance: int = 0
    recommendations: int = 0


@contextmanager
def given_timestamps(*model_classes):
    """Let bulk inserts keep the ``created_at``/``updated_at`` the rows carry (auto_now off meanwhile)."""
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if isinstance(f, db_models.DateTimeField) and (f.auto_now or f.auto_now_add)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class _Buffer:
    """Rows of one model, inserted a batch at a time."""

    def __init__(self, model):
        self.model, self.rows, self.written = model, [], 0

    def add(self, row) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.model.objects.bulk_create(self.rows, batch_size=BATCH_SIZE)
            self.written += len(self.rows)
            self.rows = []


class _Writer:
    def __init__(self, *, journal: JournalPlan, plan: SchoolPlan, school, year, subjects, users: dict, people: People):
        self.journal, self.plan, self.school, self.year = journal, plan, school, year
        self.subjects, self.people = subjects, people
        admin = users["admin"]
        self.admin = admin
        self.user_of = [users.get(e.person.login) or admin for e in plan.employees]
        self.work_types = {w.name: w for w in models.WorkType.objects.filter(school=school)}

    def employee(self, index: int) -> models.Employee:
        return self.people.employees[index]

    def target(self, key) -> dict:
        if len(key) == 3:
            return {"class_unit": None, "study_group": self.people.groups[key]}
        return {"class_unit": self.people.classes[key], "study_group": None}

    def bells_and_timetable(self) -> list[int]:
        models.BellPeriod.objects.bulk_create(
            [
                models.BellPeriod(school_year=self.year, shift=1, number=number, starts_at=starts, ends_at=ends)
                for number, (starts, ends) in enumerate(bell_schedule(), start=1)
            ]
        )
        entries = models.TimetableEntry.objects.bulk_create(
            [
                models.TimetableEntry(
                    school_year=self.year,
                    **self.target(e.target),
                    weekday=e.weekday,
                    number=e.number,
                    subject=self.subjects[e.subject],
                    teacher=self.employee(e.teacher),
                    room=e.room,
                    starts_on=self.year.starts_on,
                )
                for e in self.journal.entries
            ],
            batch_size=BATCH_SIZE,
        )
        return [entry.pk for entry in entries]

    def lesson_row(self, lesson: PlannedLesson, entry_pks: list[int]) -> models.Lesson:
        group = len(lesson.target) == 3
        return models.Lesson(
            school_id=self.school.pk,
            class_unit_id=None if group else self.people.classes[lesson.target].pk,
            study_group_id=self.people.groups[lesson.target].pk if group else None,
            subject_id=self.subjects[lesson.subject].pk,
            teacher_id=self.people.employees[lesson.teacher].pk,
            substitute_id=None if lesson.substitute is None else self.people.employees[lesson.substitute].pk,
            date=lesson.date,
            number=lesson.number,
            room=lesson.room,
            topic=lesson.topic,
            kind=lesson.kind,
            is_cancelled=lesson.is_cancelled,
            is_moved=lesson.is_moved,
            is_extra=lesson.is_extra,
            timetable_entry_id=None if lesson.entry is None else entry_pks[lesson.entry],
            topic_entered_at=lesson.topic_entered_at,
            attendance_taken_at=lesson.attendance_taken_at,
        )

    def lessons(self, entry_pks: list[int]) -> int:
        planned = [lesson for lessons in self.journal.lessons.values() for lesson in lessons]
        for start in range(0, len(planned), BATCH_SIZE):
            chunk = planned[start : start + BATCH_SIZE]
            rows = models.Lesson.objects.bulk_create([self.lesson_row(x, entry_pks) for x in chunk])
            for lesson, row in zip(chunk, rows, strict=True):
                lesson.pk = row.pk
        return len(planned)

    def changes(self) -> int:
        rows = [
            models.LessonChange(
                school=self.school,
                lesson_id=lesson.pk,
                kind=change.kind,
                reason=change.reason,
                old_teacher=None if change.old_teacher is None else self.employee(change.old_teacher),
                old_date=change.old_date,
                old_number=change.old_number,
                old_room=change.old_room,
                recorded_by=self.admin,
                created_at=change.recorded_at,
            )
            for lessons in self.journal.lessons.values()
            for lesson in lessons
            if (change := lesson.change) is not None
        ]
        with given_timestamps(models.LessonChange):
            models.LessonChange.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        return len(rows)

    def control_works(self) -> int:
        rows = [
            models.ControlWork(
                school=self.school,
                **self.target(work.target),
                subject=self.subjects[work.subject],
                lesson_id=work.lesson.pk,
                date=work.lesson.date,
                number=work.lesson.number,
                topic=work.topic,
                kind=work.kind,
                created_by=self.user_of[work.lesson.teacher],
                created_at=work.created_at,
                updated_at=work.created_at,
            )
            for work in self.journal.control_works
        ]
        with given_timestamps(models.ControlWork):
            models.ControlWork.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        return len(rows)

    def class_journals(self) -> dict[str, int]:
        students = {key: student.pk for key, student in self.people.students.items()}
        subjects = {name: subject.pk for name, subject in self.subjects.items()}
        users = [user.pk for user in self.user_of]
        employees = [employee.pk for employee in self.people.employees]
        work_types = {name: (kind.pk, kind.weight) for name, kind in self.work_types.items()}
        homework, marks = _Buffer(models.Homework), _Buffer(models.Mark)
        attendance, recommendations = _Buffer(models.Attendance), _Buffer(models.Recommendation)
        school = self.school.pk
        Homework, Mark, Attendance, Recommendation = (
            models.Homework,
            models.Mark,
            models.Attendance,
            models.Recommendation,
        )
        with given_timestamps(Homework, Mark, Attendance, Recommendation):
            for _, journal in class_journals(self.journal):
                for lesson, text, at in journal.homework:
                    homework.add(
                        Homework(
                            school_id=school,
                            lesson_id=lesson.pk,
                            text=text,
                            recorded_by_id=users[lesson.conductor],
                            created_at=at,
                            updated_at=at,
                        )
                    )
                for lesson, student, position, value, work_type, at in journal.marks:
                    work_type_id, weight = work_types[work_type]
                    marks.add(
                        Mark(
                            school_id=school,
                            lesson_id=lesson.pk,
                            student_id=students[id(student)],
                            subject_id=subjects[lesson.subject],
                            date=lesson.date,
                            position=position,
                            value=value,
                            work_type_id=work_type_id,
                            weight=weight,
                            recorded_by_id=users[lesson.conductor],
                            created_at=at,
                            updated_at=at,
                        )
                    )
                for lesson, student, code, at in journal.attendance:
                    attendance.add(
                        Attendance(
                            school_id=school,
                            lesson_id=lesson.pk,
                            student_id=students[id(student)],
                            date=lesson.date,
                            code=code,
                            recorded_by_id=users[lesson.conductor],
                            created_at=at,
                            updated_at=at,
                        )
                    )
                for student, teacher, subject, text, at in journal.recommendations:
                    recommendations.add(
                        Recommendation(
                            school_id=school,
                            student_id=students[id(student)],
                            teacher_id=employees[teacher],
                            subject_id=subjects[subject] if subject else None,
                            text=text,
                            created_at=at,
                            updated_at=at,
                        )
                    )
            for buffer in (homework, marks, attendance, recommendations):
                buffer.flush()
        return {
            "homework": homework.written,
            "marks": marks.written,
            "attendance": attendance.written,
            "recommendations": recommendations.written,
        }


def write_journal(
    *,
    plan: SchoolPlan,
    calendar: SchoolCalendar,
    today: datetime.date,
    seed: int,
    school: models.School,
    year: models.SchoolYear,
    subjects: dict[str, models.Subject],
    users: dict,
    people: People,
) -> JournalCounts:
    """Plan and write the journal of the demo school up to ``today``."""
    journal = plan_journal(plan=plan, calendar=calendar, today=today, seed=seed, zone=school.zone)
    writer = _Writer(
        journal=journal, plan=plan, school=school, year=year, subjects=subjects, users=users, people=people
    )
    entry_pks = writer.bells_and_timetable()
    lessons = writer.lessons(entry_pks)
    changes = writer.changes()
    control_works = writer.control_works()
    rows = writer.class_journals()
    return JournalCounts(
        timetable_entries=len(entry_pks),
        lessons=lessons,
        lesson_changes=changes,
        control_works=control_works,
        **rows,
    )
