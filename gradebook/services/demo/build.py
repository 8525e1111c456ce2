"""Writes a planned demo school to the database: bulk inserts, parents before children."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from gradebook import models
from gradebook.models.curriculum import DEFAULT_ATTENDANCE_CODES

from .curriculum import ATTENDANCE_NAMES, SUBJECTS, WORK_TYPES, study_weeks
from .dates import SchoolCalendar
from .plan import SchoolPlan

BATCH_SIZE = 2000


@dataclass(frozen=True)
class Counts:
    classes: int
    students: int
    guardians: int
    employees: int
    teaching_assignments: int


@dataclass(frozen=True)
class People:
    """What ``write_people`` wrote, by the plan's objects: the journal hangs on them."""

    counts: Counts
    employees: list  # models.Employee, in the order of SchoolPlan.employees
    classes: dict  # ClassKey → models.ClassUnit
    groups: dict  # GroupKey → models.StudyGroup
    students: dict  # id(plan.Student) → models.Student


def _bulk(model, objects: list) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)


def _person(model, school, person, users: dict, **extra):
    name = person.name
    return model(
        school=school,
        user=users.get(person.login),
        surname=name.surname,
        name=name.name,
        patronymic=name.patronymic,
        birth_date=person.birth_date,
        **extra,
    )


def write_calendar(*, school: models.School, calendar: SchoolCalendar) -> models.SchoolYear:
    year = models.SchoolYear.objects.create(
        school=school, title=calendar.title, starts_on=calendar.starts_on, ends_on=calendar.ends_on
    )
    _bulk(
        models.ReportingPeriod,
        [
            models.ReportingPeriod(
                school_year=year,
                kind=p.kind,
                number=p.number,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                min_grade=p.min_grade,
                max_grade=p.max_grade,
            )
            for p in calendar.periods
        ],
    )
    _bulk(
        models.Holiday,
        [
            models.Holiday(
                school_year=year,
                name=h.name,
                starts_on=h.starts_on,
                ends_on=h.ends_on,
                min_grade=h.min_grade,
                max_grade=h.max_grade,
            )
            for h in calendar.holidays
        ],
    )
    grading = models.GradingSettings.objects.create(school_year=year)  # DOMAIN.md's defaults
    _bulk(
        models.AttendanceCode,
        [
            models.AttendanceCode(
                grading=grading, code=code, name=ATTENDANCE_NAMES[code], is_excused=is_excused, position=position
            )
            for position, (code, _, is_excused) in enumerate(DEFAULT_ATTENDANCE_CODES)
        ],
    )
    return year


def write_curriculum(*, school: models.School, year: models.SchoolYear) -> dict[str, models.Subject]:
    subjects = _bulk(models.Subject, [models.Subject(school=school, name=n, short_name=s) for n, s, _ in SUBJECTS])
    _bulk(models.WorkType, [models.WorkType(school=school, name=n, weight=w) for n, w in WORK_TYPES])
    _bulk(
        models.CurriculumLine,
        [
            models.CurriculumLine(
                school_year=year,
                subject=subject,
                grade_level=grade,
                planned_hours=weekly[grade - 1] * study_weeks(grade),
            )
            for subject, (_, _, weekly) in zip(subjects, SUBJECTS, strict=True)
            for grade in range(1, 12)
            if weekly[grade - 1]
        ],
    )
    return {subject.name: subject for subject in subjects}


def write_logins(logins, *, usernames: dict[str, str], password_hash: str) -> dict:
    """The demo logins, one password hash for all, each with a verified primary email."""
    User = get_user_model()
    users = _bulk(
        User,
        [
            User(username=usernames[login.key], email=login.email, password=password_hash, is_staff=login.is_staff)
            for login in logins
        ],
    )
    _bulk(EmailAddress, [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users])
    return {login.key: user for login, user in zip(logins, users, strict=True)}


def write_people(
    *,
    plan: SchoolPlan,
    school: models.School,
    year: models.SchoolYear,
    subjects: dict[str, models.Subject],
    users: dict,
) -> People:
    starts_on = year.starts_on
    employees = _bulk(
        models.Employee,
        [
            _person(
                models.Employee,
                school,
                e.person,
                users,
                position=e.position,
                is_teacher=e.is_teacher,
                is_administrator=e.is_administrator,
                is_staff_member=e.is_staff_member,
            )
            for e in plan.employees
        ],
    )
    leaders = {e.leads: employee for e, employee in zip(plan.employees, employees, strict=True) if e.leads}
    classes = dict(
        zip(
            plan.classes,
            _bulk(
                models.ClassUnit,
                [
                    models.ClassUnit(school_year=year, grade_level=grade, letter=letter, class_teacher=leaders[key])
                    for key in plan.classes
                    for grade, letter in [key]
                ],
            ),
            strict=True,
        )
    )
    students = _bulk(models.Student, [_person(models.Student, school, s.person, users) for s in plan.students])
    student_of = {id(s): student for s, student in zip(plan.students, students, strict=True)}
    _bulk(
        models.ClassMembership,
        [
            models.ClassMembership(student=student_of[id(s)], class_unit=classes[s.class_key], starts_on=starts_on)
            for s in plan.students
        ],
    )
    family_people = [person for family in plan.families for person, _ in family.guardians]
    guardians = _bulk(models.Guardian, [_person(models.Guardian, school, p, users) for p in family_people])
    guardian_of = {id(p): guardian for p, guardian in zip(family_people, guardians, strict=True)}
    _bulk(
        models.Guardianship,
        [
            models.Guardianship(
                guardian=guardian_of[id(person)],
                student=student_of[id(s)],
                relation=relation,
                is_legal_representative=True,
                starts_on=s.person.birth_date,
            )
            for s in plan.students
            for person, relation in s.family.guardians
        ],
    )
    groups = dict(
        zip(
            plan.english_groups,
            _bulk(
                models.StudyGroup,
                [
                    models.StudyGroup(
                        school_year=year,
                        kind=models.StudyGroup.Kind.SUBGROUP,
                        name=f"{grade}{letter}, английский язык, группа {number}",
                        class_unit=classes[(grade, letter)],
                    )
                    for grade, letter, number in plan.english_groups
                ],
            ),
            strict=True,
        )
    )
    _bulk(
        models.StudyGroupMembership,
        [
            models.StudyGroupMembership(group=groups[key], student=student_of[id(s)], starts_on=starts_on)
            for key, members in plan.english_groups.items()
            for s in members
        ],
    )
    assignments = _bulk(
        models.TeachingAssignment,
        [
            models.TeachingAssignment(
                teacher=employee,
                subject=subjects[subject],
                class_unit=classes.get(target),
                study_group=groups.get(target),
                starts_on=starts_on,
            )
            for e, employee in zip(plan.employees, employees, strict=True)
            for subject, target in e.teaches
        ],
    )
    counts = Counts(
        classes=len(classes),
        students=len(students),
        guardians=len(guardians),
        employees=len(employees),
        teaching_assignments=len(assignments),
    )
    return People(counts=counts, employees=employees, classes=classes, groups=groups, students=student_of)
