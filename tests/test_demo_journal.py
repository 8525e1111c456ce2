"""seed_demo's journal (issue 4, point 9): bells, timetable, lessons up to today with their topics,
homework, marks, attendance, changes, control works and recommendations, deterministic per seed."""

import datetime
import hashlib
import io
import itertools
import re
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Q
from django.test import override_settings

from gradebook import models
from gradebook.services.demo.curriculum import ENGLISH, SUBJECTS, WORK_TYPES

TODAY = datetime.date(2026, 11, 25)  # a Wednesday of the second quarter of 2026/2027
MONDAY = TODAY - datetime.timedelta(days=TODAY.weekday())
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WEEKLY = {(subject, grade): hours[grade - 1] for subject, _, hours in SUBJECTS for grade in range(1, 12)}


def seed(*args: str, today: datetime.date = TODAY) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--today", today.isoformat(), *args, stdout=out)
    return out.getvalue()


def user(name: str):
    return get_user_model().objects.get(email=f"{name}@school.test")


def grade_of(lesson: models.Lesson) -> int:
    return (lesson.class_unit or lesson.study_group.class_unit).grade_level


def class_of(lesson) -> models.ClassUnit:
    return lesson.class_unit or lesson.study_group.class_unit


def held() -> "models.QuerySet[models.Lesson]":
    """The lessons before today; today's are left for the teachers to fill in."""
    return models.Lesson.objects.filter(date__lt=TODAY, is_cancelled=False)


@pytest.fixture(scope="class")
def demo_school(django_db_setup, django_db_blocker):
    """The default demo school with its journal, built once for the read-only tests of a class."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=MD5), transaction.atomic():
        output = seed()
        connection.check_constraints()  # once, not again in each test's teardown (see test_seed_demo)
        yield output
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_school")
class TestTheDemoJournal:
    def test_the_bell_schedule(self):
        bells = list(models.BellPeriod.objects.order_by("number"))
        assert [(b.shift, b.number) for b in bells] == [(1, n) for n in range(1, 8)]
        assert bells[0].starts_at == datetime.time(8, 30)
        minutes = [
            (b.ends_at.hour * 60 + b.ends_at.minute) - (b.starts_at.hour * 60 + b.starts_at.minute) for b in bells
        ]
        assert set(minutes) == {45}
        breaks = [
            (later.starts_at.hour * 60 + later.starts_at.minute) - (earlier.ends_at.hour * 60 + earlier.ends_at.minute)
            for earlier, later in itertools.pairwise(bells)
        ]
        assert breaks == [10, 20, 20, 10, 10, 10]

    def test_every_class_has_its_weekly_hours_and_no_teacher_is_in_two_places(self):
        entries = list(models.TimetableEntry.objects.select_related("subject", "class_unit", "study_group__class_unit"))
        taught = Counter((e.teacher_id, e.weekday, e.number) for e in entries)
        assert max(taught.values()) == 1
        assert {e.weekday for e in entries} == {1, 2, 3, 4, 5}
        per_unit = Counter((e.subject.name, e.class_unit_id or e.study_group_id) for e in entries)
        for unit in models.ClassUnit.objects.all():
            groups = list(unit.groups.all())
            for (subject, grade), hours in WEEKLY.items():
                if grade != unit.grade_level or not hours:
                    continue
                if subject == ENGLISH and grade >= 2:
                    assert [per_unit[(subject, g.pk)] for g in groups] == [hours, hours], (unit, subject)
                else:
                    assert per_unit[(subject, unit.pk)] == hours, (unit, subject)
            days = defaultdict(set)
            for e in entries:
                if (e.class_unit or e.study_group.class_unit) == unit:
                    days[e.weekday].add(e.number)
            for numbers in days.values():  # no window in the class's day
                assert sorted(numbers) == list(range(min(numbers), max(numbers) + 1)), unit
                assert (4 if unit.grade_level <= 4 else 5) <= len(numbers) <= 7, unit
        assignments = {
            (a.teacher_id, a.subject_id, a.class_unit_id, a.study_group_id)
            for a in models.TeachingAssignment.objects.all()
        }
        for e in entries:
            assert (e.teacher_id, e.subject_id, e.class_unit_id, e.study_group_id) in assignments, e

    def test_lessons_run_to_the_end_of_the_period_none_on_sundays_or_holidays(self):
        year = models.SchoolYear.objects.get()
        lessons = models.Lesson.objects.select_related("class_unit", "study_group__class_unit")
        assert lessons.filter(date=year.starts_on).exists() and lessons.filter(date=TODAY).exists()
        holidays = list(year.holidays.all())
        quarter = year.periods.get(kind="quarter", starts_on__lte=TODAY, ends_on__gte=TODAY)
        for lesson in lessons:
            assert lesson.date.isoweekday() != 7, lesson
            grade = grade_of(lesson)
            assert not any(
                h.starts_on <= lesson.date <= h.ends_on and h.min_grade <= grade <= h.max_grade for h in holidays
            ), lesson
            assert year.starts_on <= lesson.date <= quarter.ends_on
        assert lessons.latest("date").date == quarter.ends_on  # the diary's weeks up to the period's end
        assert lessons.filter(date__gte=TODAY).exclude(topic="", topic_entered_at=None, kind="").count() == 0
        for lesson in held():
            assert lesson.topic and lesson.kind and lesson.topic_entered_at, lesson
        on_time = held().filter(topic_entered_at__date=F("date")).count()
        assert 0.9 < on_time / held().count() < 1  # mostly on the day, a few late for the timeliness report
        maths_5a = list(
            held()
            .filter(subject__name="Математика", class_unit__grade_level=5, class_unit__letter="А")
            .order_by("date")
        )
        assert maths_5a[0].topic == "Натуральные числа и шкалы" and "Натуральные" not in maths_5a[-1].topic
        assert len({x.topic for x in maths_5a}) > 10
        assert len(set(held().values_list("kind", flat=True))) >= 6

    def test_a_teacher_and_a_class_are_in_one_place_at_a_time(self):
        lessons = models.Lesson.objects.filter(is_cancelled=False).select_related("study_group")
        conducting = Counter((x.substitute_id or x.teacher_id, x.date, x.number) for x in lessons)
        assert max(conducting.values()) == 1
        places = defaultdict(set)
        for x in lessons:
            places[(x.class_unit_id or x.study_group.class_unit_id, x.date, x.number)].add(
                "class" if x.class_unit_id else x.study_group_id
            )
        assert all(kinds == {"class"} or "class" not in kinds for kinds in places.values())

    def test_marks_are_on_the_scale_copied_from_their_lesson_and_none_in_grade_1(self):
        marks = models.Mark.objects.select_related("lesson__class_unit", "lesson__study_group__class_unit", "work_type")
        assert 60_000 < marks.count() < 140_000
        assert set(marks.values_list("value", flat=True)) <= {1, 2, 3, 4, 5}
        assert not marks.filter(
            Q(lesson__class_unit__grade_level=1) | Q(lesson__study_group__class_unit__grade_level=1)
        ).exists()
        assert not marks.filter(date__gte=TODAY).exists()
        assert not marks.filter(lesson__is_cancelled=True).exists()
        school = models.School.objects.get()
        assert not marks.exclude(school=school, subject=F("lesson__subject"), date=F("lesson__date")).exists()
        assert not marks.exclude(weight=F("work_type__weight")).exists()
        assert {name for name, _ in WORK_TYPES} - set(marks.values_list("work_type__name", flat=True)) <= {
            "Изложение",
            "Зачёт",
        }
        values = Counter(marks.values_list("value", flat=True))
        assert 0.5 < (values[4] + values[5]) / sum(values.values()) < 0.8
        assert values[2] > 0 and 0 < values[1] < values[2] / 20
        assert models.Mark.objects.filter(position=2).exists()  # a cell with two marks
        controls = marks.filter(work_type__name="Контрольная работа")
        assert not controls.filter(lesson__kind__in=["new", "combined", "practice", "review"]).exists()

    def test_good_students_get_better_marks_than_weak_ones(self):
        averages = defaultdict(list)
        for student, value in models.Mark.objects.values_list("student", "value"):
            averages[student].append(value)
        means = sorted(sum(v) / len(v) for v in averages.values() if len(v) >= 20)
        tenth = len(means) // 10
        assert means[-tenth] > 4.3 and means[tenth] < 3.6

    def test_every_5a_student_has_maths_marks_and_the_logins_story_holds(self):
        unit = models.ClassUnit.objects.get(grade_level=5, letter="А")
        students = models.Student.objects.filter(class_memberships__class_unit=unit)
        for student in students:
            count = models.Mark.objects.filter(student=student, subject__name="Математика").count()
            assert count >= 8, student  # about 1–2 a week in twelve weeks
        me = models.Student.objects.get(user=user("student"))
        subjects = {s for (s, g), hours in WEEKLY.items() if g == 5 and hours}
        assert set(me.marks.values_list("subject__name", flat=True)) == subjects
        for child in models.Student.objects.filter(guardianships__guardian__user=user("parent")):
            assert child.marks.count() > 50
        teacher = user("teacher")
        for letter, grade in (("А", 5), ("Б", 6)):
            lessons = held().filter(
                class_unit__grade_level=grade, class_unit__letter=letter, subject__name="Математика"
            )
            assert lessons.exists() and not lessons.exclude(teacher__user=teacher).exists()
            assert models.Mark.objects.filter(lesson__in=lessons, recorded_by=teacher).count() > 100
        assert not models.Lesson.objects.filter(Q(teacher__user__isnull=False) & ~Q(changes=None)).exists()

    def test_attendance_codes_illness_runs_and_lates(self):
        rows = models.Attendance.objects.all()
        codes = Counter(rows.values_list("code", flat=True))
        assert set(codes) == {"н", "б", "у", "п", "о"} and codes["б"] > codes["н"] > codes["о"] > 0
        assert not rows.filter(Q(date__gte=TODAY) | Q(lesson__is_cancelled=True)).exists()
        school = models.School.objects.get()
        assert not rows.exclude(school=school, date=F("lesson__date")).exists()
        sizes = Counter(models.ClassMembership.objects.values_list("class_unit", flat=True))
        group_sizes = Counter(models.StudyGroupMembership.objects.values_list("group", flat=True))
        student_lessons = sum(
            group_sizes[group] if group else sizes[unit]
            for unit, group in held().values_list("class_unit", "study_group")
        )
        absent = rows.exclude(code="о").count()
        assert 0.03 <= absent / student_lessons <= 0.05
        ill = defaultdict(set)
        for student, day in rows.filter(code="б").values_list("student", "date"):
            ill[student].add(day)
        runs = [s for s, days in ill.items() if any(d + datetime.timedelta(days=1) in days for d in days)]
        assert len(runs) > 20  # illness lasts several days
        student, day = next((s, d) for s, days in ill.items() for d in days)
        assert not models.Mark.objects.filter(student=student, date=day).exists()
        membership = models.ClassMembership.objects.get(student=student)
        that_day = (
            held()
            .filter(date=day)
            .filter(Q(class_unit=membership.class_unit) | Q(study_group__memberships__student=student))
        )
        assert set(that_day) == {a.lesson for a in rows.filter(student=student, date=day)}  # the whole day

    def test_homework_on_most_lessons_entered_on_the_day(self):
        lessons = held().exclude(class_unit__grade_level=1).exclude(subject__name="Физическая культура")
        with_homework = lessons.filter(homework__isnull=False)
        assert with_homework.count() > 0.6 * lessons.count()
        assert not models.Homework.objects.filter(Q(lesson__date__gte=TODAY) | Q(lesson__is_cancelled=True)).exists()
        zone = models.School.objects.get().zone
        entered = models.Homework.objects.values_list("created_at", "lesson__date")
        on_the_day = sum(1 for at, day in entered if at.astimezone(zone).date() == day)
        assert 0.9 < on_the_day / len(entered) < 1
        texts = set(models.Homework.objects.filter(lesson__subject__name="Математика").values_list("text", flat=True))
        assert any(text.startswith("§ ") and "№" in text for text in texts)

    def test_substitutions_moves_cancellations_and_extra_lessons(self):
        changes = models.LessonChange.objects.select_related("lesson")
        kinds = Counter(changes.values_list("kind", flat=True))
        assert set(kinds) == {"substitution", "move", "cancellation", "extra"}
        assert kinds["substitution"] >= 5
        reasons = set(changes.values_list("reason", flat=True))
        assert {"болезнь учителя", "курсы повышения квалификации"} <= reasons
        admin = user("admin")
        for change in changes:
            lesson = change.lesson
            assert change.recorded_by == admin
            if change.kind == "substitution":
                assert lesson.substitute_id and change.old_teacher_id == lesson.teacher_id != lesson.substitute_id
            elif change.kind == "move":
                assert lesson.is_moved and (change.old_date or change.old_room)
            elif change.kind == "cancellation":
                assert lesson.is_cancelled and not lesson.topic
                assert not (lesson.marks.exists() or lesson.attendance.exists() or hasattr(lesson, "homework"))
            else:
                assert lesson.is_extra and lesson.timetable_entry_id is None
        flagged = models.Lesson.objects.filter(
            Q(substitute__isnull=False) | Q(is_moved=True) | Q(is_cancelled=True) | Q(is_extra=True)
        )
        assert set(flagged) == {c.lesson for c in changes}
        this_week = changes.filter(
            kind="substitution",
            lesson__class_unit__grade_level=5,
            lesson__class_unit__letter="А",
            lesson__date__range=(MONDAY, MONDAY + datetime.timedelta(days=6)),
        )
        assert this_week.exists()  # the families of 5А see one in their week

    def test_control_works_follow_the_federal_rules(self):
        works = list(
            models.ControlWork.objects.select_related("lesson", "class_unit", "study_group__class_unit", "subject")
        )
        assert not [w for w in works if class_of(w).grade_level == 1]
        year = models.SchoolYear.objects.get()
        for kind, grades in (("quarter", (2, 9)), ("half_year", (10, 11))):
            current = year.periods.get(kind=kind, starts_on__lte=TODAY, ends_on__gte=TODAY)
            now = [
                w
                for w in works
                if current.starts_on <= w.date <= current.ends_on and grades[0] <= class_of(w).grade_level <= grades[1]
            ]
            assert {class_of(w).grade_level for w in now} == set(range(grades[0], grades[1] + 1))
            assert any(w.date < TODAY for w in now) and any(w.date > TODAY for w in now)  # past and upcoming
        writers = defaultdict(list)  # one a day for each student: a class's work, or one per group
        for w in works:
            writers[(class_of(w).pk, w.date)].append(w.study_group_id)
        for units in writers.values():
            assert units == [None] or (None not in units and len(set(units)) == len(units)), units
        bounds = defaultdict(list)
        for lesson in models.Lesson.objects.filter(is_cancelled=False).select_related("study_group"):
            bounds[((lesson.class_unit_id or lesson.study_group.class_unit_id), lesson.date)].append(lesson.number)
        grade_level_days = defaultdict(set)
        periods = list(year.periods.exclude(kind="year"))
        in_period = Counter()
        for w in works:
            assert (w.date, w.number, w.subject_id) == (w.lesson.date, w.lesson.number, w.lesson.subject_id)
            assert w.lesson.kind == ("control" if w.date < TODAY else "")
            grade = class_of(w).grade_level
            numbers = bounds[(class_of(w).pk, w.date)]
            if WEEKLY[(w.subject.name, grade)] > 1:  # not first nor last, unless one lesson a week
                assert min(numbers) < w.number < max(numbers), w
            grade_level_days[(grade, w.subject_id)].add(w.date)
            (period,) = [
                p for p in periods if p.min_grade <= grade <= p.max_grade and p.starts_on <= w.date <= p.ends_on
            ]
            in_period[(w.class_unit_id, w.study_group_id, w.subject.name, grade, period)] += 1
        for days in grade_level_days.values():  # the grade level writes together, 2.5 weeks apart
            for earlier, later in itertools.pairwise(sorted(days)):
                assert (later - earlier).days >= 17
        for (*_, subject, grade, period), count in in_period.items():  # at most 10 % of the period's hours
            siblings = [p for p in periods if p.kind == period.kind and p.min_grade <= grade <= p.max_grade]
            share = ((period.ends_on - period.starts_on).days + 1) / sum(
                (p.ends_on - p.starts_on).days + 1 for p in siblings
            )
            assert count <= 0.1 * WEEKLY[(subject, grade)] * (33 if grade == 1 else 34) * share
        written = {"Контрольная работа", "Диктант", "Сочинение", "Проверочная работа"}
        for w in (w for w in works if w.date < TODAY):
            assert set(w.lesson.marks.values_list("work_type__name", flat=True)) <= written, w
            members = (w.study_group or w.class_unit).memberships.count()
            assert w.lesson.marks.filter(position=1).count() >= 0.75 * members, w  # all but the absent

    def test_recommendations_for_every_class(self):
        recommendations = models.Recommendation.objects.select_related("student")
        per_class = Counter(
            models.ClassMembership.objects.get(student=r.student).class_unit_id for r in recommendations
        )
        assert len(per_class) == models.ClassUnit.objects.count() and min(per_class.values()) >= 3
        assert models.Recommendation.objects.filter(student__user=user("student")).exists()
        assert all(re.search("[а-я]{4}", r.text) for r in recommendations)  # Russian
        assert len({r.created_at.date() for r in recommendations}) > 10

    def test_no_history_is_written_for_the_demo(self):
        assert models.JournalChange.objects.count() == 0


def journal_built(*args: str) -> tuple[str, int]:
    """Build a small school in a transaction that is rolled back; a checksum of its marks and journal."""
    with transaction.atomic():
        seed(*args)
        digest = hashlib.sha256()
        rows = itertools.chain(
            models.Mark.objects.order_by("student__surname", "student__name", "date", "lesson__number", "position")
            .values_list("student__surname", "student__name", "date", "lesson__number", "position", "value")
            .iterator(),
            models.Attendance.objects.order_by("student__surname", "student__name", "date", "lesson__number")
            .values_list("student__surname", "student__name", "date", "lesson__number", "code")
            .iterator(),
            models.Lesson.objects.order_by("date", "number", "room").values_list("date", "number", "room", "topic"),
        )
        for row in rows:
            digest.update(repr(row).encode())
        count = models.Mark.objects.count()
        transaction.set_rollback(True)
    return digest.hexdigest(), count


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_journal():
    first, marks = journal_built("--students", "120", "--seed", "3")
    assert marks > 5000
    assert journal_built("--students", "120", "--seed", "3") == (first, marks)
    assert journal_built("--students", "120", "--seed", "4")[0] != first


@pytest.mark.django_db
def test_before_the_school_year_only_the_bells_and_the_timetable():
    seed(today=datetime.date(2026, 7, 15))
    assert models.BellPeriod.objects.count() == 7
    assert models.TimetableEntry.objects.exists()
    for model in (models.Lesson, models.Mark, models.Attendance, models.ControlWork, models.Recommendation):
        assert not model.objects.exists(), model
