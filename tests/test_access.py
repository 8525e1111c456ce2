"""The access policy: what each role sees is the union of the user's relationships."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from gradebook import access
from gradebook.models import Guardianship

from . import factories as f


def visible(user, on=None):
    return set(access.students_visible_to(user, on))


def test_parent_sees_only_their_children(world):
    assert visible(world.parent.user) == {world.student}
    assert visible(world.other_parent.user) == {world.other_student}


def test_student_sees_only_themselves(world):
    assert visible(world.student.user) == {world.student}
    assert visible(world.other_student.user) == {world.other_student}


def test_teacher_sees_the_students_of_their_assignments(world):
    assert visible(world.teacher.user) == {world.student}
    assert visible(world.other_teacher.user) == {world.other_student}


def test_teacher_of_a_group_sees_its_members_in_other_classes(world):
    group = f.StudyGroupFactory(school_year=world.year, name="Информатика, поток")
    f.StudyGroupMembershipFactory(group=group, student=world.other_student)
    f.TeachingAssignmentFactory(
        teacher=world.teacher,
        subject=f.SubjectFactory(school=world.school, name="Информатика"),
        class_unit=None,
        study_group=group,
    )
    assert visible(world.teacher.user) == {world.student, world.other_student}


def test_class_teacher_sees_their_class(world):
    assert visible(world.class_teacher.user) == {world.student}
    assert access.roles_of(world.class_teacher.user).names >= {access.CLASS_TEACHER}


def test_administrator_and_staff_see_their_school_only(world):
    school_students = {world.student, world.other_student}
    assert visible(world.admin.user) == school_students
    assert visible(world.staff.user) == school_students
    assert visible(world.other_school_admin.user) == {world.other_school_student}


def test_a_user_without_profiles_sees_nobody(db):
    assert visible(f.UserFactory()) == set()


def test_anonymous_and_deactivated_users_see_nobody(world):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()
    user = world.admin.user
    user.is_active = False
    user.save()
    assert visible(user) == set()


def test_inactive_employee_profile_opens_nothing(world):
    world.teacher.is_active = False
    world.teacher.save()
    assert visible(world.teacher.user) == set()
    assert access.TEACHER not in access.roles_of(world.teacher.user)


def test_teacher_who_is_a_parent_sees_the_union(world):
    """One login, two profiles: the maths teacher of 5А is also the parent of a child in 6Б."""
    own_profile = f.GuardianFactory(school=world.school, user=world.teacher.user)
    f.GuardianshipFactory(guardian=own_profile, student=world.other_student, relation="father")
    f.record_decision(own_profile, world.other_student)
    assert visible(world.teacher.user) == {world.student, world.other_student}
    roles = access.roles_of(world.teacher.user)
    assert {access.TEACHER, access.GUARDIAN} <= roles.names
    assert set(access.children_of(world.teacher.user)) == {world.other_student}


def test_profiles_in_two_schools_add_up(world):
    """One user may hold profiles in several schools."""
    f.EmployeeFactory(school=world.other_school, user=world.staff.user, is_teacher=False, is_staff_member=True)
    assert visible(world.staff.user) == {world.student, world.other_student, world.other_school_student}


class TestGuardianshipDatesAndRestrictions:
    def test_an_ended_guardianship_closes_access(self, world):
        today = timezone.localdate()
        world.guardianship.ends_on = today - datetime.timedelta(days=1)
        world.guardianship.save()
        assert visible(world.parent.user) == set()
        assert access.GUARDIAN not in access.roles_of(world.parent.user)

    def test_access_holds_on_the_days_the_guardianship_runs(self, world):
        day = timezone.localdate() + datetime.timedelta(days=30)
        world.guardianship.ends_on = day
        world.guardianship.save()
        assert visible(world.parent.user, on=day) == {world.student}
        assert visible(world.parent.user, on=day + datetime.timedelta(days=1)) == set()

    def test_a_guardianship_that_has_not_started_opens_nothing(self, world):
        world.guardianship.starts_on = timezone.localdate() + datetime.timedelta(days=3)
        world.guardianship.save()
        assert visible(world.parent.user) == set()

    def test_a_court_order_closes_access(self, world):
        world.guardianship.access_restriction = Guardianship.Restriction.COURT_ORDER
        world.guardianship.restriction_basis = "Решение суда № 2-123/2026"
        world.guardianship.save()
        assert visible(world.parent.user) == set()

    def test_without_electronic_access_the_family_is_on_paper(self, world):
        world.guardianship.electronic_access = False
        world.guardianship.save()
        assert visible(world.parent.user) == set()


def test_get_visible_student_is_404_for_missing_and_for_not_yours(world):
    import uuid

    assert access.get_visible_student(world.parent.user, world.student.public_id) == world.student
    with pytest.raises(Http404):
        access.get_visible_student(world.parent.user, world.other_student.public_id)
    with pytest.raises(Http404):
        access.get_visible_student(world.parent.user, uuid.uuid4())


def test_classes_visible_to_each_role(world):
    assert set(access.classes_visible_to(world.teacher.user)) == {world.class_5a}
    assert set(access.classes_visible_to(world.class_teacher.user)) == {world.class_5a}
    assert set(access.classes_visible_to(world.admin.user)) == {world.class_5a, world.class_6b}
    assert set(access.classes_visible_to(world.parent.user)) == set()
    assert world.class_5a not in set(access.classes_visible_to(world.other_school_admin.user))


def test_an_ended_assignment_closes_the_class(world):
    assignment = world.teacher.assignments.get()
    assignment.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    assignment.save()
    assert visible(world.teacher.user) == set()
    assert set(access.classes_visible_to(world.teacher.user)) == set()


def test_a_transferred_student_leaves_the_old_class_teacher(world):
    today = timezone.localdate()
    membership = world.student.class_memberships.get()
    membership.ends_on = today - datetime.timedelta(days=1)
    membership.save()
    f.ClassMembershipFactory(student=world.student, class_unit=world.class_6b, starts_on=today)
    assert world.student not in visible(world.class_teacher.user)
    assert world.student in visible(world.other_teacher.user)
    assert visible(world.parent.user) == {world.student}


def test_roles_ordered_for_navigation(world):
    assert access.roles_of(world.admin.user).ordered == [access.ADMINISTRATOR]
    assert access.roles_of(world.parent.user).ordered == [access.GUARDIAN]
    assert access.roles_of(world.student.user).ordered == [access.STUDENT]
