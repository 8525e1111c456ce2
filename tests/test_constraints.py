"""Every database constraint refuses what it must; a meta-test fails when a constraint has no case."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from gradebook import models

from . import factories as f

D = datetime.date


def _year():
    return f.SchoolYearFactory()


def _membership_twice():
    membership = f.ClassMembershipFactory()
    f.ClassMembershipFactory(student=membership.student, class_unit=f.ClassUnitFactory(school_year=_year()))


def _group_membership_twice():
    membership = f.StudyGroupMembershipFactory()
    f.StudyGroupMembershipFactory(group=membership.group, student=membership.student)


def _assignment_twice():
    assignment = f.TeachingAssignmentFactory()
    f.TeachingAssignmentFactory(
        teacher=assignment.teacher, subject=assignment.subject, class_unit=assignment.class_unit
    )


def _curriculum_twice():
    line = f.CurriculumLineFactory()
    f.CurriculumLineFactory(school_year=line.school_year, subject=line.subject, grade_level=5)


def _second_profile(factory):
    def build():
        first = factory(user=f.UserFactory())
        factory(school=first.school, user=first.user, is_teacher=True) if factory is f.EmployeeFactory else factory(
            school=first.school, user=first.user
        )

    return build


def _activation(**overrides):
    values = {
        "user": f.UserFactory(),
        "school": f.SchoolFactory(),
        "channel": "paper",
        "secret_hash": "x" * 64,
        "expires_at": timezone.now() - datetime.timedelta(days=1),
    }
    values.update(overrides)
    models.Activation.objects.create(**values)


def _bell(**kw):
    values = {"school_year": f.SchoolYearFactory(), "number": 1, "starts_at": "08:30", "ends_at": "09:15"}
    values.update(kw)
    return models.BellPeriod.objects.create(**values)


def _timetable(**kw):
    unit = f.ClassUnitFactory()
    values = {
        "school_year": unit.school_year,
        "class_unit": unit,
        "weekday": 1,
        "number": 1,
        "subject": f.SubjectFactory(school=unit.school_year.school),
        "teacher": f.EmployeeFactory(school=unit.school_year.school),
        "starts_on": D(2026, 9, 1),
    }
    values.update(kw)
    return models.TimetableEntry.objects.create(**values)


def _mark(lesson=None, **kw):
    lesson = lesson or f.LessonFactory()
    values = {
        "school": lesson.school,
        "lesson": lesson,
        "student": f.StudentFactory(school=lesson.school),
        "subject": lesson.subject,
        "date": lesson.date,
        "value": 5,
        "work_type": f.WorkTypeFactory(school=lesson.school),
        "recorded_by": f.UserFactory(),
    }
    values.update(kw)
    return models.Mark.objects.create(**values)


def _mark_twice():
    first = _mark()
    _mark(lesson=first.lesson, student=first.student)


def _attendance_twice():
    lesson, student, user = f.LessonFactory(), f.StudentFactory(), f.UserFactory()
    for _ in range(2):
        models.Attendance.objects.create(
            school=lesson.school, lesson=lesson, student=student, date=lesson.date, code="н", recorded_by=user
        )


def _control_work_for_both():
    lesson = f.LessonFactory()
    models.ControlWork.objects.create(
        school=lesson.school,
        class_unit=lesson.class_unit,
        study_group=f.StudyGroupFactory(),
        subject=lesson.subject,
        date=lesson.date,
        topic="Дроби",
        created_by=f.UserFactory(),
    )


def _final_twice():
    final = f.FinalMarkFactory()
    f.FinalMarkFactory(period=final.period, student=final.student, subject=final.subject)


def _deferral_twice():
    deferral = f.DeferralFactory()
    f.DeferralFactory(period=deferral.period, student=deferral.student, subject=deferral.subject)


def _extension(**overrides):
    deferral = f.DeferralFactory()
    values = {"old_due_on": deferral.due_on, "new_due_on": deferral.due_on, "reason": "Болезнь"}
    deferral.extensions.create(recorded_by=deferral.recorded_by, **{**values, **overrides})


VIOLATIONS = {
    "user_email_unique_ci": lambda: (
        f.UserFactory(username="a", email="Parent@School.test"),
        f.UserFactory(username="b", email="parent@school.test"),
    ),
    "schoolyear_unique_start": lambda: f.SchoolYearFactory(school=_year().school),
    "schoolyear_ends_after_start": lambda: f.SchoolYearFactory(starts_on=D(2026, 9, 1), ends_on=D(2026, 9, 1)),
    "period_unique_per_scheme": lambda: [f.ReportingPeriodFactory(school_year=y) for y in [_year()] * 2],
    "period_ends_after_start": lambda: f.ReportingPeriodFactory(ends_on=D(2000, 1, 1)),
    "period_grade_range": lambda: f.ReportingPeriodFactory(min_grade=10, max_grade=9),
    "period_number_positive": lambda: f.ReportingPeriodFactory(number=0),
    "holiday_ends_after_start": lambda: f.HolidayFactory(ends_on=D(2000, 1, 1)),
    "holiday_grade_range": lambda: f.HolidayFactory(min_grade=1, max_grade=12),
    "grading_thresholds_ordered": lambda: models.GradingSettings.objects.create(
        school_year=_year(), threshold_5=Decimal("3.4"), threshold_4=Decimal("3.5")
    ),
    "attendancecode_unique": lambda: [
        models.AttendanceCode.objects.create(grading=g, code="н", name="отсутствовал")
        for g in [models.GradingSettings.objects.create(school_year=_year())] * 2
    ],
    "class_unique_name": lambda: [f.ClassUnitFactory(school_year=y, letter="А") for y in [_year()] * 2],
    "class_grade_level_range": lambda: f.ClassUnitFactory(grade_level=12),
    "student_one_profile_per_school": _second_profile(f.StudentFactory),
    "guardian_one_profile_per_school": _second_profile(f.GuardianFactory),
    "employee_one_profile_per_school": _second_profile(f.EmployeeFactory),
    "employee_has_a_role": lambda: f.EmployeeFactory(is_teacher=False),
    "guardianship_unique": lambda: [
        f.GuardianshipFactory(guardian=g.guardian, student=g.student) for g in [f.GuardianshipFactory()]
    ],
    "guardianship_ends_after_start": lambda: f.GuardianshipFactory(ends_on=D(2000, 1, 1)),
    "guardianship_restriction_has_basis": lambda: f.GuardianshipFactory(access_restriction="court_order"),
    "classmembership_ends_after_start": lambda: f.ClassMembershipFactory(ends_on=D(2000, 1, 1)),
    "classmembership_one_open_per_student": _membership_twice,
    "groupmembership_unique": _group_membership_twice,
    "groupmembership_ends_after_start": lambda: f.StudyGroupMembershipFactory(ends_on=D(2000, 1, 1)),
    "studygroup_unique_name": lambda: [f.StudyGroupFactory(school_year=y, name="Группа 1") for y in [_year()] * 2],
    "studygroup_subgroup_has_class": lambda: f.StudyGroupFactory(kind="subgroup", class_unit=None),
    "subject_unique_name": lambda: models.Subject.objects.bulk_create(
        [models.Subject(school=s, name="Физика") for s in [f.SchoolFactory()] * 2]
    ),
    "curriculum_grade_level_or_class": lambda: f.CurriculumLineFactory(class_unit=f.ClassUnitFactory()),
    "curriculum_grade_level_range": lambda: f.CurriculumLineFactory(grade_level=0),
    "curriculum_unique_line": _curriculum_twice,
    "assignment_class_or_group": lambda: f.TeachingAssignmentFactory(study_group=f.StudyGroupFactory()),
    "assignment_ends_after_start": lambda: f.TeachingAssignmentFactory(ends_on=D(2000, 1, 1)),
    "assignment_unique": _assignment_twice,
    "worktype_unique_name": lambda: models.WorkType.objects.bulk_create(
        [models.WorkType(school=s, name="Тест") for s in [f.SchoolFactory()] * 2]
    ),
    "worktype_weight_range": lambda: f.WorkTypeFactory(weight=Decimal("0")),
    "activation_expires_after_creation": _activation,
    "bellperiod_unique": lambda: [_bell(school_year=y) for y in [f.SchoolYearFactory()] * 2],
    "bellperiod_ends_after_start": lambda: _bell(ends_at="08:00"),
    "bellperiod_shift_valid": lambda: _bell(shift=4),
    "bellperiod_number_range": lambda: _bell(number=13),
    "timetableentry_class_or_group": lambda: _timetable(study_group=f.StudyGroupFactory()),
    "timetableentry_ends_after_start": lambda: _timetable(ends_on=D(2026, 8, 1)),
    "timetableentry_weekday_range": lambda: _timetable(weekday=7),
    "lesson_class_or_group": lambda: f.LessonFactory(study_group=f.StudyGroupFactory()),
    "mark_one_per_position": _mark_twice,
    "mark_value_on_scale": lambda: _mark(value=6),
    "mark_two_per_cell": lambda: _mark(position=3),
    "mark_weight_positive": lambda: _mark(weight=Decimal("0")),
    "attendance_one_per_lesson": _attendance_twice,
    "controlwork_class_or_group": _control_work_for_both,
    "final_unique": _final_twice,
    "final_period_only_for_period_kind": lambda: f.FinalMarkFactory(kind="year"),
    "final_exam_only_for_exam_kind": lambda: f.FinalMarkFactory(period=None, kind="year", exam="oge"),
    "final_points_only_for_exams": lambda: f.FinalMarkFactory(scale="points", value="", points=70),
    "final_value_on_scale": lambda: f.FinalMarkFactory(value="6"),
    "final_published_after_recorded": lambda: f.FinalMarkFactory(
        published_at=timezone.now() - datetime.timedelta(hours=1)
    ),
    "deferral_one_open": _deferral_twice,
    "deferral_extension_later": _extension,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_constraint_refuses_the_violation(name):
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        VIOLATIONS[name]()
    # PostgreSQL names the constraint (SQLite names the columns for unique ones).
    from django.db import connection

    if connection.vendor == "postgresql":
        assert name in str(excinfo.value)


def test_every_constraint_has_a_case():
    names = {
        constraint.name
        for app in ("ediary", "gradebook")
        for model in apps.get_app_config(app).get_models()
        for constraint in model._meta.constraints
    }
    assert names - set(VIOLATIONS) == set()


@pytest.mark.django_db
def test_the_journal_protects_what_it_refers_to():
    membership = f.ClassMembershipFactory()
    with pytest.raises(ProtectedError):
        membership.class_unit.delete()
    with pytest.raises(ProtectedError):
        membership.student.delete()
    with pytest.raises(ProtectedError):
        membership.class_unit.school_year.school.delete()


@pytest.mark.django_db
def test_published_records_have_distinct_public_ids():
    first, second = f.StudentFactory(), f.StudentFactory()
    assert first.public_id and first.public_id != second.public_id
