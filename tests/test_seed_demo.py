"""manage.py seed_demo: the demo school, its eight logins and their roles, built once, deterministically."""

import datetime
import io
import itertools
import re
from collections import Counter
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from gradebook import access, models
from gradebook.services.demo import DEMO_PASSWORD, journal
from gradebook.services.demo.dates import school_calendar, school_year_start_for

TODAY = datetime.date(2026, 11, 25)  # a school day of 2026/2027, whatever the date the tests run on
EMAILS = {
    f"{name}@school.test"
    for name in ("admin", "staff", "teacher", "classteacher", "parent", "parent2", "student", "teacherparent")
}
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MODELS_COUNTED = (
    models.School,
    models.SchoolYear,
    models.ReportingPeriod,
    models.Holiday,
    models.Subject,
    models.WorkType,
    models.CurriculumLine,
    models.ClassUnit,
    models.Student,
    models.Guardian,
    models.Guardianship,
    models.Employee,
    models.ClassMembership,
    models.StudyGroup,
    models.StudyGroupMembership,
    models.TeachingAssignment,
    EmailAddress,
)
JOURNAL_MODELS = (
    models.BellPeriod,
    models.TimetableEntry,
    models.Lesson,
    models.LessonChange,
    models.ControlWork,
    models.Homework,
    models.Mark,
    models.Attendance,
    models.Recommendation,
)


def seed(*args: str, today: datetime.date = TODAY) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--today", today.isoformat(), *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*MODELS_COUNTED, get_user_model())}


def user(name: str):
    return get_user_model().objects.get(email=f"{name}@school.test")


def class_name(unit: models.ClassUnit) -> str:
    return f"{unit.grade_level}{unit.letter}"


def current_class(student: models.Student) -> str:
    return class_name(student.class_memberships.current(TODAY).get().class_unit)


@pytest.fixture(scope="class")
def demo_school(django_db_setup, django_db_blocker):
    """The default demo school, built once for the read-only tests of a class and rolled back after them."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=MD5), transaction.atomic():
        output = seed()
        # Check the deferred foreign keys once here: each test's teardown checks them again, inside its
        # savepoint, and the journal's hundred thousand rows would make every teardown pay for it.
        connection.check_constraints()
        yield output
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_school")
class TestTheDemoSchool:
    def test_exactly_the_eight_logins_sign_in_with_the_demo_password(self):
        with_password = {u.email for u in get_user_model().objects.all() if u.has_usable_password()}
        assert with_password == EMAILS
        for email in EMAILS:
            username = email.split("@")[0]
            assert authenticate(None, email=email, password=DEMO_PASSWORD) == user(username)
            assert authenticate(None, username=username, password=DEMO_PASSWORD) == user(username)
            assert EmailAddress.objects.filter(email=email, verified=True, primary=True, user=user(username)).exists()
        assert get_user_model().objects.count() == len(EMAILS)
        assert models.Guardian.objects.filter(user__isnull=False).count() == 3  # every other family is on paper
        assert models.Student.objects.filter(user__isnull=False).count() == 1
        assert models.Employee.objects.filter(user__isnull=False).count() == 5

    def test_admin_and_staff_open_the_django_admin_without_being_superusers(self):
        for name in ("admin", "staff"):
            assert user(name).is_staff and not user(name).is_superuser
        for name in ("teacher", "parent", "student"):
            assert not user(name).is_staff
        assert models.Employee.objects.get(user=user("admin")).is_administrator
        assert models.Employee.objects.get(user=user("staff")).is_staff_member

    def test_roles_through_the_access_policy(self):
        expected = {
            "admin": {access.ADMINISTRATOR},
            "staff": {access.STAFF},
            "teacher": {access.TEACHER},
            "classteacher": {access.TEACHER, access.CLASS_TEACHER},
            "parent": {access.GUARDIAN},
            "parent2": {access.GUARDIAN},
            "student": {access.STUDENT},
            "teacherparent": {access.TEACHER, access.GUARDIAN},
        }
        for name, roles in expected.items():
            assert access.roles_of(user(name)).names == roles, name

    def test_parent_sees_two_children_in_5a_and_8v_one_of_them_the_student_login(self):
        children = list(access.children_of(user("parent"), on=TODAY))
        assert sorted(current_class(child) for child in children) == ["5А", "8В"]
        assert models.Student.objects.get(user=user("student")) in children
        assert set(access.students_visible_to(user("parent"), on=TODAY)) == set(children)
        (only_child,) = access.children_of(user("parent2"), on=TODAY)
        assert current_class(only_child) == "5А"
        assert access.children_of(user("teacherparent"), on=TODAY).count() == 1

    def test_the_teacher_parent_is_one_person_with_two_profiles(self):
        employee = models.Employee.objects.get(user=user("teacherparent"), is_teacher=True)
        guardian = models.Guardian.objects.get(user=user("teacherparent"))
        assert employee.full_name == guardian.full_name
        assert employee.assignments.exists()

    def test_teacher_teaches_maths_in_5a_and_6b_only(self):
        teacher = user("teacher")
        assert sorted(map(class_name, access.classes_visible_to(teacher, on=TODAY))) == ["5А", "6Б"]
        subjects = models.TeachingAssignment.objects.filter(teacher__user=teacher).values_list("subject__name")
        assert set(subjects) == {("Математика",)}
        assert not models.ClassUnit.objects.filter(class_teacher__user=teacher).exists()

    def test_class_teacher_leads_5a(self):
        (led,) = models.ClassUnit.objects.filter(class_teacher__user=user("classteacher"))
        assert class_name(led) == "5А"
        members = set(models.Student.objects.filter(class_memberships__class_unit=led))
        assert members <= set(access.students_visible_to(user("classteacher"), on=TODAY))

    def test_classes_have_a_class_teacher_and_about_25_students(self):
        classes = models.ClassUnit.objects.select_related("class_teacher")
        names = sorted(map(class_name, classes))
        assert names == sorted([f"{g}{letter}" for g in range(1, 12) for letter in "АБ"] + ["8В"])
        for unit in classes:
            assert unit.class_teacher is not None and unit.class_teacher.is_teacher
            assert 20 <= unit.memberships.current(TODAY).count() <= 30, unit
        leaders = Counter(classes.values_list("class_teacher", flat=True))
        assert max(leaders.values()) == 1

    def test_students_have_a_class_a_guardian_an_age_and_names_that_agree(self):
        year_start = models.SchoolYear.objects.get().starts_on
        students = models.Student.objects.all()
        assert 23 * 22 <= len(students) <= 23 * 28
        memberships = models.ClassMembership.objects.current(TODAY).select_related("class_unit")
        class_of = {m.student_id: m.class_unit for m in memberships}
        assert len(class_of) == len(students) == memberships.count()
        guarded = set(models.Guardianship.objects.unrestricted(TODAY).values_list("student", flat=True))
        for student in students:
            assert student.id in guarded, student
            grade = class_of[student.id].grade_level
            born = student.birth_date
            age = year_start.year - born.year - ((born.month, born.day) > (year_start.month, year_start.day))
            assert age in (grade + 5, grade + 6), (student, grade)
            female = student.patronymic.endswith("на")
            assert female == student.surname.endswith(("а", "я")), student
        per_student = Counter(models.Guardianship.objects.values_list("student", flat=True))
        assert set(per_student.values()) <= {1, 2}
        for link in models.Guardianship.objects.select_related("student"):
            assert link.starts_on == link.student.birth_date and link.is_legal_representative
        assert 800 <= models.Guardian.objects.count() <= 1100

    def test_english_is_taught_in_two_subgroups_from_grade_2(self):
        for unit in models.ClassUnit.objects.all():
            groups = list(unit.groups.filter(kind=models.StudyGroup.Kind.SUBGROUP))
            if unit.grade_level == 1:
                assert groups == []
                continue
            assert len(groups) == 2
            members = [set(g.memberships.values_list("student", flat=True)) for g in groups]
            assert members[0] and members[1] and not members[0] & members[1]
            assert members[0] | members[1] == set(unit.memberships.values_list("student", flat=True))
            for group in groups:
                assert group.assignments.filter(subject__name="Английский язык").count() == 1

    def test_every_subject_of_every_class_has_a_teacher(self):
        lines = models.CurriculumLine.objects.select_related("subject")
        planned = {(line.grade_level, line.subject.name) for line in lines}
        for unit in models.ClassUnit.objects.all():
            taught = set(unit.assignments.values_list("subject__name", flat=True))
            taught |= set(
                models.TeachingAssignment.objects.filter(study_group__class_unit=unit).values_list(
                    "subject__name", flat=True
                )
            )
            assert taught == {subject for grade, subject in planned if grade == unit.grade_level}, unit
        teachers = models.Employee.objects.filter(is_teacher=True)
        several = [
            t for t in teachers if t.assignments.values("class_unit", "study_group__class_unit").distinct().count() > 1
        ]
        assert len(several) > len(teachers) // 2  # subject teachers teach several classes

    def test_curriculum_work_types_and_grading(self):
        hours = dict(
            models.CurriculumLine.objects.filter(subject__name="Русский язык").values_list(
                "grade_level", "planned_hours"
            )
        )
        assert hours[5] == 5 * 34 and hours[1] == 5 * 33
        assert set(models.CurriculumLine.objects.values_list("period", "class_unit").distinct()) == {(None, None)}
        assert models.WorkType.objects.get(name="Контрольная работа").weight == Decimal("2")
        assert models.WorkType.objects.get(name="Самостоятельная работа").weight == Decimal("1.5")
        grading = models.GradingSettings.objects.get()
        assert (grading.threshold_5, grading.threshold_4, grading.threshold_3, grading.min_marks) == (
            Decimal("4.50"),
            Decimal("3.50"),
            Decimal("2.50"),
            3,
        )
        assert list(grading.attendance_codes.values_list("code", flat=True)) == ["н", "б", "у", "п", "о"]
        assert grading.attendance_codes.get(code="б").name == "болел"

    def test_the_school_year_its_periods_and_holidays(self):
        school = models.School.objects.get()
        assert (school.name, school.short_name, school.time_zone) == (
            "МОУ «Победненская школа»",
            "Победненская школа",
            "Europe/Moscow",
        )
        year = models.SchoolYear.objects.get(school=school)
        assert (year.title, year.starts_on, year.ends_on) == (
            "2026/2027",
            datetime.date(2026, 9, 1),
            datetime.date(2027, 8, 31),
        )
        periods = year.periods.order_by("starts_on")
        (study_year,) = periods.filter(kind="year")
        assert (study_year.starts_on, study_year.ends_on) == (datetime.date(2026, 9, 1), datetime.date(2027, 5, 26))
        holidays = list(year.holidays.all())
        for kind, count, grades in (("quarter", 4, (1, 9)), ("half_year", 2, (10, 11))):
            spans = list(periods.filter(kind=kind))
            assert [p.number for p in spans] == list(range(1, count + 1))
            assert all((p.min_grade, p.max_grade) == grades for p in spans)
            assert spans[0].starts_on == study_year.starts_on and spans[-1].ends_on == study_year.ends_on
            for earlier, later in itertools.pairwise(spans):
                assert earlier.ends_on < later.starts_on
        for quarter in periods.filter(kind="quarter"):
            for holiday in holidays:
                if holiday.max_grade == 11:  # grade 1's February week falls inside its third quarter
                    assert holiday.ends_on < quarter.starts_on or quarter.ends_on < holiday.starts_on
        weeks = [(q.ends_on - q.starts_on).days / 7 for q in periods.filter(kind="quarter")]
        assert 7 <= weeks[0] <= 9 and 7 <= weeks[1] <= 9 and 9.5 <= weeks[2] <= 11 and 7 <= weeks[3] <= 8.5
        (february,) = [h for h in holidays if h.starts_on.month == 2]
        assert (february.min_grade, february.max_grade) == (1, 1)
        in_year = [h for h in holidays if h.max_grade == 11 and h.ends_on <= study_year.ends_on]
        assert len(in_year) == 3 and sum((h.ends_on - h.starts_on).days + 1 for h in in_year) >= 30

    def test_running_again_changes_nothing_and_prints_the_logins(self):
        before = counts()
        assert "exists already: nothing changed" in seed()
        quiet = seed("--if-missing", "--students", "5000", "--seed", "7")
        assert quiet.splitlines()[0] == "The demo school «Победненская школа» exists."
        assert all(email in quiet for email in EMAILS) and DEMO_PASSWORD in quiet
        assert counts() == before


def students_built(*args: str, today: datetime.date = TODAY) -> list[tuple]:
    """Build the school in a transaction that is rolled back; return who is in it."""
    with transaction.atomic():
        seed(*args, today=today)
        rows = models.Student.objects.values_list(
            "surname",
            "name",
            "patronymic",
            "birth_date",
            "class_memberships__class_unit__grade_level",
            "class_memberships__class_unit__letter",
        )
        built = sorted(rows)
        transaction.set_rollback(True)
    return built


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_school_and_another_seed_another():
    first = students_built("--seed", "1")
    assert models.School.objects.count() == 0
    assert students_built("--seed", "1") == first
    assert students_built("--seed", "2") != first


@pytest.mark.django_db
def test_the_output_lists_the_logins():
    output = seed()
    assert output.startswith("Built the demo school «Победненская школа», 2026/2027")
    for email in EMAILS:
        assert re.search(rf"^{re.escape(email)} +{DEMO_PASSWORD} +\S", output, re.MULTILINE)


@pytest.mark.django_db
def test_in_july_the_coming_school_year_is_built():
    seed(today=datetime.date(2026, 7, 15))
    year = models.SchoolYear.objects.get()
    assert (year.title, year.starts_on) == ("2026/2027", datetime.date(2026, 9, 1))


def test_which_school_year():
    assert school_year_start_for(datetime.date(2027, 5, 31)) == datetime.date(2026, 9, 1)
    assert school_year_start_for(datetime.date(2027, 6, 1)) == datetime.date(2027, 9, 1)
    assert school_year_start_for(datetime.date(2027, 8, 31)) == datetime.date(2027, 9, 1)
    assert school_year_start_for(datetime.date(2027, 9, 1)) == datetime.date(2027, 9, 1)
    assert school_year_start_for(datetime.date(2028, 1, 10)) == datetime.date(2027, 9, 1)
    for year in range(2024, 2040):  # at least 30 days of in-year holidays, whatever the weekdays
        calendar = school_calendar(datetime.date(year, 9, 1))
        in_year = [h for h in calendar.holidays if h.max_grade == 11 and h.ends_on < calendar.study_ends_on]
        assert sum(h.days for h in in_year) >= 30, year


def batches(model, rows: int) -> int:
    """The inserts ``bulk_create`` makes for that many rows of the journal (SQLite takes fewer a query)."""
    fields = model._meta.concrete_fields
    size = min(journal.BATCH_SIZE, connection.ops.bulk_batch_size(fields, [None] * journal.BATCH_SIZE))
    return -(-rows // size)


def queries_beyond_the_batches(students: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        seed("--students", str(students))
    return len(queries) - sum(batches(model, model.objects.count()) for model in JOURNAL_MODELS)


@pytest.mark.django_db
def test_students_scales_the_school():
    # Bulk inserts: a query per batch of a table, never one per row, student or class. Beyond the
    # journal's batches (one per BATCH_SIZE rows of each of its tables), a bounded number, the same
    # whatever the size of the school.
    with transaction.atomic():
        small = queries_beyond_the_batches(100)
        transaction.set_rollback(True)
    assert queries_beyond_the_batches(300) == small <= 60
    assert models.Student.objects.count() == 300
    assert models.ClassUnit.objects.filter(class_teacher__isnull=True).count() == 0
    assert access.children_of(user("parent"), on=TODAY).count() == 2


@pytest.mark.django_db
def test_many_students_get_more_classes():
    seed("--students", "1500")
    assert models.Student.objects.count() == 1500
    fifth = models.ClassUnit.objects.filter(grade_level=5)
    assert sorted(fifth.values_list("letter", flat=True)) == ["А", "Б", "В", "Г", "Д", "Е"]
    for unit in models.ClassUnit.objects.all():
        assert 20 <= unit.memberships.count() <= 30
        assert unit.class_teacher_id is not None
    assert sorted(map(class_name, access.classes_visible_to(user("teacher"), on=TODAY))) == ["5А", "6Б"]


@pytest.mark.django_db
def test_bad_arguments_are_refused():
    with pytest.raises(CommandError, match="69 to 200000 students, not 10"):
        seed("--students", "10")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("seed_demo", "--today", "2026-13-01")
    assert models.School.objects.count() == 0


@pytest.mark.django_db
def test_a_demo_email_taken_by_someone_else_is_refused_and_nothing_is_built():
    get_user_model().objects.create_user(username="someone", email="Teacher@school.test", password="x-secret-42")
    with pytest.raises(CommandError, match=r"teacher@school\.test"):
        seed()
    assert models.School.objects.count() == 0


@pytest.mark.django_db
def test_a_taken_login_name_falls_back_to_the_email():
    get_user_model().objects.create_user(username="admin", email="", password="x-secret-42")
    seed()
    assert user("admin").username == "admin@school.test"
    assert authenticate(None, email="admin@school.test", password=DEMO_PASSWORD) == user("admin")
