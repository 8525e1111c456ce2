"""Shared fixtures: a small school world and one logged-in user per role."""

import os
from dataclasses import dataclass

import pytest

from ediary.celery import app as celery_app
from gradebook import models

from . import factories as f

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Under CI a missing service fails the test; on a laptop it is skipped with what to install."""
    if IN_CI:
        pytest.fail(f"CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_isolated_settings(settings):
    """Fast hashing, a private cache, eager Celery and the in-memory SMS backend in every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SMS_BACKEND = "ediary.sms.backends.locmem.SmsBackend"
    settings.EDIARY_REQUIRE_STAFF_MFA = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.cache import cache

    from ediary.sms.backends import locmem

    cache.clear()
    locmem.outbox.clear()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def quarter(world):
    """The first quarter of world's school year (eight weeks from its start), for every grade."""
    return f.ReportingPeriodFactory(school_year=world.year, number=1)


@pytest.fixture
def english(settings):
    """For tests that read the English source texts (pages and the services' messages)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@dataclass
class World:
    """Two schools. In school A: classes 5А and 6Б, a student with a parent in each, a maths teacher
    in each, a class teacher of 5А, an administrator and a secretary; school B has its own admin."""

    school: models.School
    year: models.SchoolYear
    math: models.Subject
    class_5a: models.ClassUnit
    class_6b: models.ClassUnit
    student: models.Student
    other_student: models.Student
    parent: models.Guardian
    other_parent: models.Guardian
    guardianship: models.Guardianship
    teacher: models.Employee
    other_teacher: models.Employee
    class_teacher: models.Employee
    admin: models.Employee
    staff: models.Employee
    other_school: models.School
    other_school_admin: models.Employee
    other_school_student: models.Student


def _login(username: str):
    return f.UserFactory(username=username, email=f"{username}@school.test")


@pytest.fixture
def world(db) -> World:
    school = f.SchoolFactory(name="МОУ «Тестовая школа»", short_name="Тестовая школа")
    year = f.SchoolYearFactory(school=school)
    math = f.SubjectFactory(school=school, name="Математика")
    class_teacher = f.EmployeeFactory(school=school, user=_login("classteacher"), surname="Классова")
    class_5a = f.ClassUnitFactory(school_year=year, grade_level=5, letter="А", class_teacher=class_teacher)
    class_6b = f.ClassUnitFactory(school_year=year, grade_level=6, letter="Б")
    student = f.StudentFactory(school=school, user=_login("student"), surname="Ученикова", name="Анна")
    other_student = f.StudentFactory(school=school, user=_login("otherstudent"), surname="Другов", name="Пётр")
    f.ClassMembershipFactory(student=student, class_unit=class_5a)
    f.ClassMembershipFactory(student=other_student, class_unit=class_6b)
    parent = f.GuardianFactory(school=school, user=_login("parent"))
    other_parent = f.GuardianFactory(school=school, user=_login("otherparent"))
    guardianship = f.GuardianshipFactory(guardian=parent, student=student)
    f.GuardianshipFactory(guardian=other_parent, student=other_student)
    f.record_decision(parent, student)
    f.record_decision(other_parent, other_student)
    guardianship.refresh_from_db()
    student.refresh_from_db()
    other_student.refresh_from_db()
    teacher = f.EmployeeFactory(school=school, user=_login("teacher"))
    other_teacher = f.EmployeeFactory(school=school, user=_login("otherteacher"))
    f.TeachingAssignmentFactory(teacher=teacher, subject=math, class_unit=class_5a)
    f.TeachingAssignmentFactory(teacher=other_teacher, subject=math, class_unit=class_6b)
    admin = f.EmployeeFactory(school=school, user=_login("admin"), is_teacher=False, is_administrator=True)
    staff = f.EmployeeFactory(school=school, user=_login("staff"), is_teacher=False, is_staff_member=True)
    other_school = f.SchoolFactory(name="МОУ «Другая школа»", short_name="Другая школа")
    other_year = f.SchoolYearFactory(school=other_school)
    other_school_admin = f.EmployeeFactory(
        school=other_school, user=_login("otheradmin"), is_teacher=False, is_administrator=True
    )
    other_school_student = f.StudentFactory(school=other_school)
    f.ClassMembershipFactory(
        student=other_school_student, class_unit=f.ClassUnitFactory(school_year=other_year, grade_level=5)
    )
    return World(
        school=school,
        year=year,
        math=math,
        class_5a=class_5a,
        class_6b=class_6b,
        student=student,
        other_student=other_student,
        parent=parent,
        other_parent=other_parent,
        guardianship=guardianship,
        teacher=teacher,
        other_teacher=other_teacher,
        class_teacher=class_teacher,
        admin=admin,
        staff=staff,
        other_school=other_school,
        other_school_admin=other_school_admin,
        other_school_student=other_school_student,
    )


ROLES = (
    "anonymous",
    "parent",
    "other_parent",
    "student",
    "other_student",
    "teacher",
    "other_teacher",
    "class_teacher",
    "admin",
    "staff",
    "other_school_admin",
)


def user_for(world: World, role: str):
    """The login of a role in the world (None for anonymous)."""
    if role == "anonymous":
        return None
    return getattr(world, role).user


@pytest.fixture
def parent(world):
    return world.parent.user


@pytest.fixture
def other_parent(world):
    return world.other_parent.user


@pytest.fixture
def student(world):
    return world.student.user


@pytest.fixture
def teacher(world):
    return world.teacher.user


@pytest.fixture
def class_teacher(world):
    return world.class_teacher.user


@pytest.fixture
def admin(world):
    return world.admin.user


@pytest.fixture
def staff(world):
    return world.staff.user


@pytest.fixture
def other_school_admin(world):
    return world.other_school_admin.user
