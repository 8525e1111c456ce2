"""THE access policy of ediary: the only place that decides who sees and edits what.

What a user may see is the union of their relationships: a guardianship with electronic
access, their own student profile, their teaching assignments, the classes they lead, the
schools they administer or serve as staff. The portal's role switch only changes navigation.

Two shapes of one decision, as Wagtail does it:
- ``<nouns>_visible_to(user)`` returns a queryset: what the user may see;
- ``get_visible_<noun>(user, public_id)`` returns one object or raises 404, the same answer for
  "does not exist" and "not yours";
- ``require_role`` closes a route to users none of whose roles open it (403).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import (
    ClassMembership,
    ClassUnit,
    ControlWork,
    Deferral,
    Employee,
    FinalMark,
    Guardian,
    Guardianship,
    HomeworkFile,
    JournalChange,
    Lesson,
    PersonalDataAccess,
    Recommendation,
    ReportingPeriod,
    School,
    SchoolYear,
    Student,
    StudyGroup,
    StudyGroupMembership,
    Subject,
)
from .models.curriculum import TeachingAssignment

GUARDIAN = "guardian"
STUDENT = "student"
TEACHER = "teacher"
CLASS_TEACHER = "class_teacher"
ADMINISTRATOR = "administrator"
STAFF = "staff"

# The order in which the home page picks a user's place when they hold several roles.
ROLE_ORDER = (ADMINISTRATOR, STAFF, CLASS_TEACHER, TEACHER, GUARDIAN, STUDENT)


@dataclass(frozen=True)
class Roles:
    """What a user is, across all the schools they have profiles in."""

    names: frozenset[str]

    def __contains__(self, role: str) -> bool:
        return role in self.names

    def __bool__(self) -> bool:
        return bool(self.names)

    @property
    def ordered(self) -> list[str]:
        return [role for role in ROLE_ORDER if role in self.names]

    @property
    def is_school_staff(self) -> bool:
        return bool(self.names & {ADMINISTRATOR, STAFF})


def _today() -> datetime.date:
    return timezone.localdate()


def _employees(user) -> QuerySet[Employee]:
    return Employee.objects.filter(user=user, is_active=True)


def roles_of(user) -> Roles:
    """The user's roles, computed once per request object (two queries)."""
    if not getattr(user, "is_authenticated", False):
        return Roles(frozenset())
    cached = getattr(user, "_ediary_roles", None)
    if cached is not None:
        return cached
    names: set[str] = set()
    flags = _employees(user).values_list("is_teacher", "is_administrator", "is_staff_member", "led_classes")
    for is_teacher, is_administrator, is_staff_member, led_class in flags:
        if is_teacher:
            names.add(TEACHER)
        if is_administrator:
            names.add(ADMINISTRATOR)
        if is_staff_member:
            names.add(STAFF)
        if led_class is not None:
            names.add(CLASS_TEACHER)
    today = _today()
    if Guardianship.objects.unrestricted(today).filter(guardian__user=user).exists():
        names.add(GUARDIAN)
    if Student.objects.filter(user=user).exists():
        names.add(STUDENT)
    roles = Roles(frozenset(names))
    user._ediary_roles = roles
    return roles


def require_role(*allowed: str):
    """Close a view to users none of whose roles is in ``allowed``: 403 (anonymous users never get
    here: the login-required middleware sends them to the login page)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not set(allowed) & roles_of(request.user).names:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- Schools ---------------------------------------------------------------------------


def schools_administered_by(user) -> QuerySet[School]:
    """Schools where the user is an administrator (everything, for a superuser)."""
    if user.is_superuser:
        return School.objects.all()
    return School.objects.filter(pk__in=_employees(user).filter(is_administrator=True).values("school"))


def is_school_admin_user(user) -> bool:
    """Whether the user administers a school (a superuser administers them all).

    This opens the admin site's school data; ``schools_administered_by`` then says which rows.
    Cached with the user's roles: no query after the first in a request.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or ADMINISTRATOR in roles_of(user)


def schools_served_by(user) -> QuerySet[School]:
    """Schools where the user is an administrator or staff: the school-wide view."""
    if user.is_superuser:
        return School.objects.all()
    return School.objects.filter(
        pk__in=_employees(user).filter(Q(is_administrator=True) | Q(is_staff_member=True)).values("school")
    )


def get_served_school(user, public_id) -> School:
    return get_object_or_404(schools_served_by(user), public_id=public_id)


# --- Classes ---------------------------------------------------------------------------


def _taught_class_ids(user, on: datetime.date):
    assignments = TeachingAssignment.objects.current(on).filter(teacher__in=_employees(user))
    direct = assignments.filter(class_unit__isnull=False).values("class_unit")
    through_groups = assignments.filter(study_group__class_unit__isnull=False).values("study_group__class_unit")
    return direct, through_groups


def classes_visible_to(user, on: datetime.date | None = None) -> QuerySet[ClassUnit]:
    """Classes the user teaches (directly or through a subgroup), leads, or serves as school staff."""
    on = on or _today()
    direct, through_groups = _taught_class_ids(user, on)
    return ClassUnit.objects.filter(
        Q(pk__in=direct)
        | Q(pk__in=through_groups)
        | Q(class_teacher__in=_employees(user))
        | Q(school_year__school__in=schools_served_by(user))
    )


def get_visible_class(user, public_id) -> ClassUnit:
    return get_object_or_404(classes_visible_to(user), public_id=public_id)


# --- Students --------------------------------------------------------------------------


def students_visible_to(user, on: datetime.date | None = None) -> QuerySet[Student]:
    """Every student the user may see on a day (today by default): the union of their relationships.

    - a guardian: their children, while the guardianship runs, with no restriction and with electronic
      access (the consent registry keeps that flag);
    - a student: themselves, with electronic access;
    - a teacher: the students of the classes and groups they are assigned to;
    - a class teacher: the students of their class;
    - an administrator or staff: every student of their school.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Student.objects.none()
    on = on or _today()
    employees = _employees(user)
    own_children = Guardianship.objects.with_access(on).filter(guardian__user=user).values("student")
    current_members = ClassMembership.objects.current(on)
    taught_assignments = TeachingAssignment.objects.current(on).filter(teacher__in=employees)
    taught_in_class = current_members.filter(
        class_unit__in=taught_assignments.filter(class_unit__isnull=False).values("class_unit")
    ).values("student")
    taught_in_group = (
        StudyGroupMembership.objects.current(on)
        .filter(group__in=taught_assignments.filter(study_group__isnull=False).values("study_group"))
        .values("student")
    )
    led = current_members.filter(class_unit__class_teacher__in=employees).values("student")
    return Student.objects.filter(
        Q(pk__in=own_children)
        | Q(user=user, electronic_access=True)
        | Q(pk__in=taught_in_class)
        | Q(pk__in=taught_in_group)
        | Q(pk__in=led)
        | Q(school__in=schools_served_by(user))
    )


def get_visible_student(user, public_id, *, log_as: str | None = None) -> Student:
    """The student, or 404 for one that does not exist and one that is not the user's to see.

    ``log_as`` (the page's URL name) writes the opening to the personal data access log, unless the
    viewer is the student or one of their own parents (``log_personal_data_access``).
    """
    student = get_object_or_404(students_visible_to(user).select_related("school"), public_id=public_id)
    if log_as:
        log_personal_data_access(user, student, log_as)
    return student


def children_of(user, on: datetime.date | None = None) -> QuerySet[Student]:
    """The parent's children today, with or without consent: the cabinet lists them all, and shows
    the data of those in ``students_visible_to`` and how to give consent for the others."""
    on = on or _today()
    return Student.objects.filter(
        pk__in=Guardianship.objects.unrestricted(on).filter(guardian__user=user).values("student")
    )


def get_family_student(user, public_id, *, log_as: str | None = None) -> tuple[Student, bool]:
    """A student for a family page, and whether their data may be shown.

    A child of the user, or the user's own student profile, without a valid consent gives
    ``(student, False)``: the page explains how to give consent instead of showing data. Anyone
    else outside ``students_visible_to`` gets a 404. ``log_as`` logs an opening that shows data,
    as ``get_visible_student`` does.
    """
    student = Student.objects.select_related("school").filter(public_id=public_id).first()
    if student is not None:
        if students_visible_to(user).filter(pk=student.pk).exists():
            if log_as:
                log_personal_data_access(user, student, log_as)
            return student, True
        if _family_of(user, [student]):
            return student, False
    raise Http404


def get_served_student(user, public_id, *, log_as: str | None = None) -> Student:
    """A student of a school the user serves as administrator or staff, or 404.

    For the school's registers (the consent registry): a teacher's or a parent's relationship
    opens a student's diary, never the school's papers about the family. ``log_as`` logs the
    opening, as ``get_visible_student`` does.
    """
    student = get_object_or_404(people_visible_to(user, "student").select_related("school"), public_id=public_id)
    if log_as:
        log_personal_data_access(user, student, log_as)
    return student


def own_student_profiles(user) -> QuerySet[Student]:
    return Student.objects.filter(user=user)


def lessons_of_student(student: Student) -> QuerySet[Lesson]:
    """The lessons a student takes: those of their class and of their study groups (an individual
    plan's too) on the days they belong to them. What a family's diary may show of the journal."""
    on_the_day = Q(starts_on__lte=OuterRef("date")) & (Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("date")))
    in_class = ClassMembership.objects.filter(on_the_day, student=student, class_unit=OuterRef("class_unit"))
    in_group = StudyGroupMembership.objects.filter(on_the_day, student=student, group=OuterRef("study_group"))
    return Lesson.objects.filter(Exists(in_class) | Exists(in_group))


def get_student_homework_file(student: Student, public_id) -> HomeworkFile:
    """A homework file of one of the student's lessons (not removed), or 404: the student comes from
    ``get_family_student``, the file must belong to their own diary."""
    return get_object_or_404(
        HomeworkFile.objects.filter(removed_at__isnull=True, homework__lesson__in=lessons_of_student(student)),
        public_id=public_id,
    )


# --- The personal data access log ----------------------------------------------------------


def _family_of(user, students: list[Student]) -> set[int]:
    """Ids of those students who are the user themselves or the user's own children today.

    No query for a user without a guardian role (``roles_of`` is cached per request).
    """
    family = {student.pk for student in students if student.user_id == user.pk}
    if GUARDIAN in roles_of(user):
        others = [student.pk for student in students if student.pk not in family]
        if others:
            family |= set(children_of(user).filter(pk__in=others).values_list("pk", flat=True))
    return family


def log_personal_data_access(user, students: Student | Iterable[Student], what: str) -> int:
    """Log that the user opened these students' personal data on the page ``what`` (its URL name).

    Called where the access policy lets a staff member, an administrator or a teacher see a
    student. A student reading their own page and a parent reading their own child's are not
    logged. One query whatever the number of students (a class roster); returns the rows written.
    """
    students = [students] if isinstance(students, Student) else list(students)
    if not students or not getattr(user, "is_authenticated", False):
        return 0
    family = _family_of(user, students)
    rows = [
        PersonalDataAccess(viewer_id=user.pk, student_id=student.pk, school_id=student.school_id, what=what)
        for student in students
        if student.pk not in family
    ]
    PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)


def access_log_visible_to(user) -> QuerySet[PersonalDataAccess]:
    """The access log of the schools the user administers (staff and teachers do not read it)."""
    return PersonalDataAccess.objects.filter(school__in=schools_administered_by(user))


def access_log_viewers_for(user) -> QuerySet[Employee]:
    """The employees with a login whose openings the user may look up in the log."""
    return Employee.objects.filter(school__in=schools_administered_by(user), user__isnull=False).order_by(
        "surname", "name", "patronymic"
    )


def guardian_profiles_of(user) -> QuerySet[Guardian]:
    """The user's own guardian profiles (one per school): their contacts and choices are theirs to manage."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Guardian.objects.none()
    return Guardian.objects.filter(user=user)


def family_links_of(user, on: datetime.date | None = None) -> QuerySet[Guardianship]:
    """The parent's links to their children today (those of ``children_of``), with or without consent:
    the (guardian, child) pairs whose delivery the parent chooses."""
    return Guardianship.objects.unrestricted(on or _today()).filter(guardian__in=guardian_profiles_of(user))


def get_served_guardian(user, public_id) -> Guardian:
    """A guardian of a school the user serves as administrator or staff, or 404."""
    return get_object_or_404(people_visible_to(user, "guardian").select_related("school", "user"), public_id=public_id)


# --- People and their logins -------------------------------------------------------------

# The kinds of person a school creates logins for, as they appear in URLs.
PERSON_KINDS = {"student": Student, "guardian": Guardian, "employee": Employee}


def people_visible_to(user, kind: str) -> QuerySet:
    """The people of one kind in the schools the user serves as administrator or staff."""
    return PERSON_KINDS[kind].objects.filter(school__in=schools_served_by(user))


def invitable_people(user, kind: str) -> QuerySet:
    """People of one kind for whom the user may create a login and send an invitation or a code.

    Administrators and staff do it for the students and guardians of their schools. An
    employee's login opens the journal (or the whole school), so only an administrator of the
    employee's school invites employees: a secretary holding a new teacher's activation code
    could otherwise sign in as that teacher.
    """
    if kind == "employee":
        return Employee.objects.filter(school__in=schools_administered_by(user), is_active=True)
    return people_visible_to(user, kind)


def get_invitable_person(user, kind: str, public_id):
    """The person, or 404 for an unknown kind, a missing person and one outside the user's reach."""
    if kind not in PERSON_KINDS:
        raise Http404
    return get_object_or_404(invitable_people(user, kind).select_related("school", "user"), public_id=public_id)


def can_invite_person(user, *, kind: str, school_id: int, is_active: bool = True) -> bool:
    """The same decision as ``invitable_people`` for a row of a list (two queries per request)."""
    cached = getattr(user, "_ediary_invite_schools", None)
    if cached is None:
        cached = (
            frozenset(schools_served_by(user).values_list("pk", flat=True)),
            frozenset(schools_administered_by(user).values_list("pk", flat=True)),
        )
        user._ediary_invite_schools = cached
    served, administered = cached
    if kind == "employee":
        return is_active and school_id in administered
    return kind in PERSON_KINDS and school_id in served


# --- Lessons and the journal ---------------------------------------------------------------


def _assignment_covers_lesson(employees) -> Exists:
    """A current assignment of one of ``employees`` for the lesson's class or group and subject."""
    return Exists(
        TeachingAssignment.objects.filter(teacher__in=employees, subject=OuterRef("subject"))
        .filter(Q(class_unit=OuterRef("class_unit")) | Q(study_group=OuterRef("study_group")))
        .filter(starts_on__lte=OuterRef("date"))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("date")))
    )


def _in_closed_period() -> Exists:
    """The lesson's date lies in a closed reporting period of its class's grade level."""
    return Exists(
        ReportingPeriod.objects.filter(
            closed_at__isnull=False,
            school_year__school=OuterRef("school"),
            starts_on__lte=OuterRef("date"),
            ends_on__gte=OuterRef("date"),
        ).filter(
            Q(min_grade__lte=OuterRef("class_unit__grade_level"), max_grade__gte=OuterRef("class_unit__grade_level"))
            | Q(
                min_grade__lte=OuterRef("study_group__class_unit__grade_level"),
                max_grade__gte=OuterRef("study_group__class_unit__grade_level"),
            )
        )
    )


def lessons_visible_to(user) -> QuerySet[Lesson]:
    """Lessons whose journal the user may read: the teacher's own (assigned, taught or substituted),
    every subject of the class a class teacher leads, and every lesson of a school the user serves."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Lesson.objects.none()
    employees = _employees(user)
    return Lesson.objects.filter(
        Q(teacher__in=employees)
        | Q(substitute__in=employees)
        | _assignment_covers_lesson(employees)
        | Q(class_unit__class_teacher__in=employees)
        | Q(study_group__class_unit__class_teacher__in=employees)
        | Q(school__in=schools_served_by(user))
    )


def lessons_editable_by(user) -> QuerySet[Lesson]:
    """Lessons whose marks, attendance, topic and homework the user may record: the lessons of their
    assignments and the lessons they substitute, outside closed periods, not cancelled.
    (The administrator reads all but records nothing for teachers; they reopen periods.)"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Lesson.objects.none()
    employees = _employees(user).filter(is_teacher=True)
    return (
        Lesson.objects.filter(
            (Q(teacher__in=employees) & Q(substitute__isnull=True))
            | Q(substitute__in=employees)
            | (_assignment_covers_lesson(employees) & Q(substitute__isnull=True))
        )
        .exclude(_in_closed_period())
        .filter(is_cancelled=False)
    )


def get_visible_lesson(user, public_id) -> Lesson:
    return get_object_or_404(lessons_visible_to(user), public_id=public_id)


def get_editable_lesson(user, public_id) -> Lesson:
    """A lesson the user may record on: 404 when it is not theirs to see, 403 when they may read it
    but not write (another subject of their class, a closed period, a cancelled lesson)."""
    lesson = get_visible_lesson(user, public_id)
    if not lessons_editable_by(user).filter(pk=lesson.pk).exists():
        raise PermissionDenied
    return lesson


def can_edit_lesson(user, lesson: Lesson) -> bool:
    return lessons_editable_by(user).filter(pk=lesson.pk).exists()


# --- The timetable and the changes to lessons ----------------------------------------------------


def can_manage_timetable(user, school) -> bool:
    """Whether the user edits the school's bell schedule and timetable, generates its lessons and
    records their changes (substitution, move, cancellation, extra lesson): its administrators.
    Staff read those pages (``schools_served_by``)."""
    return schools_administered_by(user).filter(pk=getattr(school, "pk", school)).exists()


def get_changeable_lesson(user, public_id) -> Lesson:
    """A lesson whose changes the user records: 404 when it is not theirs to see, 403 when they may
    read it but do not administer its school."""
    lesson = get_object_or_404(
        lessons_visible_to(user).select_related(
            "school", "class_unit__school_year", "study_group__class_unit", "subject", "teacher", "substitute"
        ),
        public_id=public_id,
    )
    if not can_manage_timetable(user, lesson.school):
        raise PermissionDenied
    return lesson


# --- The teacher's journal: journals, history, closing periods ------------------------------------


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def journal_assignments_of(user, on: datetime.date | None = None) -> QuerySet[TeachingAssignment]:
    """The journals the user keeps: their current teaching assignments."""
    if not _signed_in(user):
        return TeachingAssignment.objects.none()
    return _teaching_assignments_of(user, on)


def lessons_substituted_by(user) -> QuerySet[Lesson]:
    """Lessons the user substitutes: they record on them in another teacher's journal."""
    if not _signed_in(user):
        return Lesson.objects.none()
    return Lesson.objects.filter(substitute__in=_employees(user).filter(is_teacher=True))


def get_visible_journal(user, owner_public_id, subject_public_id) -> tuple[ClassUnit | StudyGroup, Subject]:
    """A journal (a class or group × a subject) the user may read: one of its lessons is visible to
    them, or they are assigned to teach it now. 404 otherwise, the same answer as for a missing one."""
    owner = (
        ClassUnit.objects.select_related("school_year").filter(public_id=owner_public_id).first()
        or StudyGroup.objects.select_related("school_year", "class_unit").filter(public_id=owner_public_id).first()
    )
    if owner is None:
        raise Http404
    subject = get_object_or_404(Subject, public_id=subject_public_id, school_id=owner.school_year.school_id)
    of_owner = Q(class_unit=owner) if isinstance(owner, ClassUnit) else Q(study_group=owner)
    if not (
        lessons_visible_to(user).filter(of_owner, subject=subject).exists()
        or journal_assignments_of(user).filter(of_owner, subject=subject).exists()
    ):
        raise Http404
    return owner, subject


def get_journal_homework_file(user, public_id) -> HomeworkFile:
    """A homework file (not removed) of a lesson whose journal the user reads, or 404."""
    files = HomeworkFile.objects.filter(removed_at__isnull=True, homework__lesson__in=lessons_visible_to(user))
    return get_object_or_404(files.select_related("homework__lesson"), public_id=public_id)


def journal_history_visible_to(user) -> QuerySet[JournalChange]:
    """The journal's history in the schools the user administers (teachers and staff do not read it)."""
    if not _signed_in(user):
        return JournalChange.objects.none()
    return JournalChange.objects.filter(school__in=schools_administered_by(user))


def can_read_journal_history(user, school_id: int) -> bool:
    """Whether the user reads the journal's history of a school (as its administrator); no query for
    a user who administers no school."""
    if not _signed_in(user) or not (user.is_superuser or ADMINISTRATOR in roles_of(user)):
        return False
    return schools_administered_by(user).filter(pk=school_id).exists()


def get_history_lesson(user, public_id) -> Lesson:
    """A lesson of a school the user administers, for its history; 404 otherwise."""
    if not _signed_in(user):
        raise Http404
    return get_object_or_404(Lesson.objects.filter(school__in=schools_administered_by(user)), public_id=public_id)


def get_history_student(user, public_id, *, log_as: str | None = None) -> Student:
    """A student of a school the user administers, for their journal history; 404 otherwise.
    ``log_as`` logs the opening, as ``get_visible_student`` does."""
    if not _signed_in(user):
        raise Http404
    students = Student.objects.filter(school__in=schools_administered_by(user)).select_related("school")
    student = get_object_or_404(students, public_id=public_id)
    if log_as:
        log_personal_data_access(user, student, log_as)
    return student


def periods_managed_by(user) -> QuerySet[ReportingPeriod]:
    """Reporting periods the user may close and reopen: those of the schools they administer."""
    if not _signed_in(user):
        return ReportingPeriod.objects.none()
    return ReportingPeriod.objects.filter(school_year__school__in=schools_administered_by(user))


def get_managed_period(user, public_id) -> ReportingPeriod:
    return get_object_or_404(periods_managed_by(user), public_id=public_id)


def can_manage_period(user, period: ReportingPeriod) -> bool:
    return periods_managed_by(user).filter(pk=period.pk).exists()


# --- Control works, recommendations, the school's registers of the journal --------------------


def _teaching_assignments_of(user, on: datetime.date | None = None) -> QuerySet[TeachingAssignment]:
    """The user's current teaching assignments (as an active teacher of any of their schools)."""
    return TeachingAssignment.objects.current(on or _today()).filter(
        teacher__in=_employees(user).filter(is_teacher=True)
    )


def control_work_assignments_for(user, on: datetime.date | None = None) -> QuerySet[TeachingAssignment]:
    """The (class or group, subject) pairs the user may plan control works for: their own current
    assignments, and every current assignment of a school they administer. Grade 1 writes none."""
    on = on or _today()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return TeachingAssignment.objects.none()
    return (
        TeachingAssignment.objects.current(on)
        .filter(
            Q(pk__in=_teaching_assignments_of(user, on).values("pk"))
            | Q(subject__school__in=schools_administered_by(user))
        )
        .exclude(class_unit__grade_level=1)
        .exclude(study_group__class_unit__grade_level=1)
    )


def can_plan_control_work(user, *, subject, class_unit=None, study_group=None) -> bool:
    """A teacher with a current assignment for this class or group and subject, or an administrator
    of the school."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if schools_administered_by(user).filter(pk=subject.school_id).exists():
        return True
    assignments = _teaching_assignments_of(user)
    return assignments.filter(subject=subject, class_unit=class_unit, study_group=study_group).exists()


def control_works_editable_by(user) -> QuerySet[ControlWork]:
    """Control works the user may change or cancel: those of their current assignments, and every one
    of a school they administer. (Families read the period's schedule through the diary.)"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ControlWork.objects.none()
    own = _teaching_assignments_of(user).filter(subject=OuterRef("subject"))
    return ControlWork.objects.filter(
        Exists(own.filter(Q(class_unit=OuterRef("class_unit")) | Q(study_group=OuterRef("study_group"))))
        | Q(school__in=schools_administered_by(user))
    )


def get_editable_control_work(user, public_id) -> ControlWork:
    return get_object_or_404(
        control_works_editable_by(user).select_related("class_unit", "study_group", "subject"), public_id=public_id
    )


def reporting_periods_served_by(user) -> QuerySet[ReportingPeriod]:
    """Reporting periods of the schools the user serves as administrator or staff."""
    return ReportingPeriod.objects.filter(school_year__school__in=schools_served_by(user))


def students_taught_by(user, on: datetime.date | None = None) -> QuerySet[Student]:
    """The students the user teaches today (their classes and groups) or leads as class teacher:
    those a teacher writes recommendations to. A subset of ``students_visible_to``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Student.objects.none()
    on = on or _today()
    teachers = _employees(user).filter(is_teacher=True)
    assignments = _teaching_assignments_of(user, on)
    current_members = ClassMembership.objects.current(on)
    in_class = current_members.filter(
        class_unit__in=assignments.filter(class_unit__isnull=False).values("class_unit")
    ).values("student")
    in_group = (
        StudyGroupMembership.objects.current(on)
        .filter(group__in=assignments.filter(study_group__isnull=False).values("study_group"))
        .values("student")
    )
    led = current_members.filter(class_unit__class_teacher__in=teachers).values("student")
    return Student.objects.filter(Q(pk__in=in_class) | Q(pk__in=in_group) | Q(pk__in=led))


def teacher_profile_of(user, school_id: int) -> Employee | None:
    """The user's active teacher profile in a school: who signs a recommendation."""
    return _employees(user).filter(school_id=school_id, is_teacher=True).first()


def recommendations_written_by(user) -> QuerySet[Recommendation]:
    return Recommendation.objects.filter(teacher__in=_employees(user))


def subjects_taught_by(user, on: datetime.date | None = None) -> QuerySet[Subject]:
    """The subjects of the user's current teaching assignments."""
    return Subject.objects.filter(pk__in=_teaching_assignments_of(user, on).values("subject"))


def guardian_children_visible_to(user, guardian) -> QuerySet[Student]:
    """A guardian's current children, as far as the user may see them (the staff's contact pages)."""
    links = Guardianship.objects.current(_today()).filter(guardian=guardian)
    return students_visible_to(user).filter(pk__in=links.values("student")).order_by("surname", "name", "pk")


# --- Finals, deferrals, the summary sheet and statistics -----------------------------------------


def can_set_finals(user, *, subject, class_unit=None, study_group=None) -> bool:
    """Who sets the finals of a journal (a class or group × a subject): its teacher with a current
    assignment, or an administrator of the school. Exam results and year finals too."""
    return can_plan_control_work(user, subject=subject, class_unit=class_unit, study_group=study_group)


def deferrals_managed_by(user) -> QuerySet[Student]:
    """Students whose finals the user may defer: those of the class they lead today, and every student
    of a school they administer."""
    if not _signed_in(user):
        return Student.objects.none()
    led = ClassMembership.objects.current(_today()).filter(
        class_unit__class_teacher__in=_employees(user).filter(is_teacher=True)
    )
    return Student.objects.filter(Q(pk__in=led.values("student")) | Q(school__in=schools_administered_by(user)))


def can_manage_deferral(user, student: Student) -> bool:
    return deferrals_managed_by(user).filter(pk=student.pk).exists()


def deferrals_visible_to(user) -> QuerySet[Deferral]:
    """Deferrals the user keeps and extends: those of the students whose finals they may defer."""
    return Deferral.objects.filter(student__in=deferrals_managed_by(user))


def get_manageable_deferral(user, public_id) -> Deferral:
    return get_object_or_404(
        deferrals_visible_to(user).select_related("student", "subject", "period__school_year"), public_id=public_id
    )


def finals_administered_by(user) -> QuerySet[FinalMark]:
    """The finals of the schools the user administers: the publication report reads them."""
    if not _signed_in(user):
        return FinalMark.objects.none()
    return FinalMark.objects.filter(school__in=schools_administered_by(user))


def get_deferrable_student(user, public_id, *, log_as: str | None = None) -> Student:
    student = get_object_or_404(deferrals_managed_by(user).select_related("school"), public_id=public_id)
    if log_as:
        log_personal_data_access(user, student, log_as)
    return student


def summary_classes_visible_to(user) -> QuerySet[ClassUnit]:
    """Classes whose summary sheet (сводная ведомость) the user reads: the class they lead, and every
    class of a school they administer or serve as staff."""
    if not _signed_in(user):
        return ClassUnit.objects.none()
    return ClassUnit.objects.filter(
        Q(class_teacher__in=_employees(user)) | Q(school_year__school__in=schools_served_by(user))
    )


def get_summary_class(user, public_id) -> ClassUnit:
    return get_object_or_404(
        summary_classes_visible_to(user).select_related("school_year__school", "class_teacher"), public_id=public_id
    )


def can_read_summary(user, class_unit: ClassUnit) -> bool:
    """Whether the class page links to the class's summary sheet."""
    return summary_classes_visible_to(user).filter(pk=class_unit.pk).exists()


def statistics_years_visible_to(user) -> QuerySet[SchoolYear]:
    """School years whose curriculum and results statistics the user reads: those of the schools they
    administer (staff do not read them)."""
    if not _signed_in(user):
        return SchoolYear.objects.none()
    return SchoolYear.objects.filter(school__in=schools_administered_by(user))


def get_statistics_range(user, public_id) -> tuple[SchoolYear, ReportingPeriod | None]:
    """A school year (the year's statistics) or one of its reporting periods, of a school the user
    administers; 404 otherwise. A «year» reporting period stands for its school year."""
    years = statistics_years_visible_to(user)
    period = (
        ReportingPeriod.objects.select_related("school_year__school")
        .filter(school_year__in=years, public_id=public_id)
        .first()
    )
    if period is not None:
        return period.school_year, None if period.kind == ReportingPeriod.Kind.YEAR else period
    return get_object_or_404(years.select_related("school"), public_id=public_id), None


def get_forecast_class(user, public_id) -> ClassUnit:
    """A class whose forecast (students × subjects) the user reads: the class page's circle
    (``classes_visible_to``): the class they lead, the classes they teach (directly or through a subgroup)
    and every class of a school they administer or serve as staff."""
    return get_object_or_404(
        classes_visible_to(user).select_related("school_year__school", "class_teacher"), public_id=public_id
    )


# --- Notifications: a family's alerts (the school's delivery log uses get_served_guardian) ----------


def family_links_with_access_of(user, on: datetime.date | None = None) -> QuerySet[Guardianship]:
    """The user's own (guardian, child) links that open the child's data today. A parent reads the
    alerts about a child while, and only while, they may read the child's diary (an alert is a piece
    of it): notifications keeps to these pairs, and nobody else reads a guardian's alerts."""
    return Guardianship.objects.with_access(on or _today()).filter(guardian__in=guardian_profiles_of(user))


# --- Notifications: reading confirmations (a family's week, the class teacher's overview) ----------


def get_own_child_link(user, public_id) -> Guardianship:
    """The user's own link to a child whose diary they may read today, by the child's public id, or 404:
    a parent confirms the reading of their own children's weeks, nobody else's."""
    link = (
        family_links_with_access_of(user)
        .filter(student__public_id=public_id)
        .select_related("guardian", "student__school")
        .order_by("-starts_on", "-pk")
        .first()
    )
    if link is None:
        raise Http404
    return link


def guardian_reads_child(guardian, student, on: datetime.date | None = None) -> bool:
    """Whether a guardian may read a child's diary on a day: a signed link from an email (no login) acts
    for the guardian only while this holds."""
    return Guardianship.objects.with_access(on or _today()).filter(guardian=guardian, student=student).exists()


def reading_classes_visible_to(user) -> QuerySet[ClassUnit]:
    """Classes whose families' reading the user follows: the class they lead, and every class of a school
    they administer."""
    if not _signed_in(user):
        return ClassUnit.objects.none()
    return ClassUnit.objects.filter(
        Q(class_teacher__in=_employees(user)) | Q(school_year__school__in=schools_administered_by(user))
    )


def get_reading_class(user, public_id) -> ClassUnit:
    return get_object_or_404(
        reading_classes_visible_to(user).select_related("school_year__school", "class_teacher"), public_id=public_id
    )


# --- The year-end archive of a class's journal (issue 7, point 5) ---------------------------------------


def archive_classes_visible_to(user) -> QuerySet[ClassUnit]:
    """Classes whose journal the user prints for the archive: the class they lead, and every class of a
    school they administer (staff do not print the journal)."""
    if not _signed_in(user):
        return ClassUnit.objects.none()
    return ClassUnit.objects.filter(
        Q(class_teacher__in=_employees(user)) | Q(school_year__school__in=schools_administered_by(user))
    )


def get_archive_class(user, public_id) -> ClassUnit:
    return get_object_or_404(
        archive_classes_visible_to(user).select_related("school_year__school", "class_teacher"), public_id=public_id
    )


# --- Paper extracts (issue 7, points 2–4): the weekly batches, the register, downloads on demand ------------


def extract_classes_visible_to(user) -> QuerySet[ClassUnit]:
    """Classes whose weekly batches and register of paper extracts the user keeps: the class they lead, and
    every class of a school they administer or serve as staff."""
    if not _signed_in(user):
        return ClassUnit.objects.none()
    return ClassUnit.objects.filter(
        Q(class_teacher__in=_employees(user)) | Q(school_year__school__in=schools_served_by(user))
    )


def get_extract_class(user, public_id) -> ClassUnit:
    return get_object_or_404(
        extract_classes_visible_to(user).select_related("school_year__school", "class_teacher"), public_id=public_id
    )


def extract_students_visible_to(user, on: datetime.date | None = None) -> QuerySet[Student]:
    """Students whose extracts and register history the school side reads: those of the class the user leads
    today, and every student of a school they administer or serve as staff."""
    if not _signed_in(user):
        return Student.objects.none()
    led = ClassMembership.objects.current(on or _today()).filter(class_unit__class_teacher__in=_employees(user))
    return Student.objects.filter(Q(pk__in=led.values("student")) | Q(school__in=schools_served_by(user)))


def get_extract_student(user, public_id, *, log_as: str | None = None) -> Student:
    """A student of ``extract_students_visible_to``, or 404; ``log_as`` logs the opening."""
    student = get_object_or_404(extract_students_visible_to(user).select_related("school"), public_id=public_id)
    if log_as:
        log_personal_data_access(user, student, log_as)
    return student


def get_extract_download_student(user, public_id, *, log_as: str | None = None) -> Student:
    """A student whose extract the user may download: one of the school side's (``extract_students_visible_to``),
    or the user's own child whose diary they may read today. 404 for anyone else."""
    if not _signed_in(user):
        raise Http404
    own_children = Guardianship.objects.with_access(_today()).filter(guardian__user=user).values("student")
    students = Student.objects.filter(Q(pk__in=own_children) | Q(pk__in=extract_students_visible_to(user).values("pk")))
    student = get_object_or_404(students.select_related("school"), public_id=public_id)
    if log_as:
        log_personal_data_access(user, student, log_as)
    return student


# --- Information exchange: imports and exports (issue 8) ---------------------------------------


def get_import_school(user, public_id=None) -> School:
    """The school an administrator imports into: the one named, or their first. 404 outside their schools."""
    schools = schools_administered_by(user).order_by("name")
    if public_id:
        try:
            return get_object_or_404(schools, public_id=public_id)
        except ValidationError as error:  # not a UUID: the same answer as a school that is not theirs
            raise Http404 from error
    school = schools.first()
    if school is None:
        raise Http404
    return school


def get_exportable_year(user, public_id) -> SchoolYear:
    """A school year of a school the user administers, or 404."""
    return get_object_or_404(
        SchoolYear.objects.filter(school__in=schools_administered_by(user)).select_related("school"),
        public_id=public_id,
    )
