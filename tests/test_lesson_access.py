"""Who reads and who records on a lesson: the access policy for the journal."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from gradebook import access

from . import factories as f


@pytest.fixture
def maths_5a(world):
    return f.LessonFactory(
        class_unit=world.class_5a, subject=world.teacher.assignments.get().subject, teacher=world.teacher
    )


@pytest.fixture
def russian_5a(world):
    return f.LessonFactory(
        class_unit=world.class_5a,
        subject=f.SubjectFactory(school=world.school, name="Русский язык"),
        teacher=world.class_teacher,
    )


def test_the_teacher_records_on_the_lessons_of_their_assignment(world, maths_5a):
    assert access.can_edit_lesson(world.teacher.user, maths_5a)
    assert access.get_editable_lesson(world.teacher.user, maths_5a.public_id) == maths_5a


def test_another_teacher_does_not_even_see_it(world, maths_5a):
    with pytest.raises(Http404):
        access.get_editable_lesson(world.other_teacher.user, maths_5a.public_id)


def test_the_class_teacher_reads_every_subject_but_records_only_their_own(world, maths_5a, russian_5a):
    user = world.class_teacher.user
    assert set(access.lessons_visible_to(user)) == {maths_5a, russian_5a}
    with pytest.raises(PermissionDenied):
        access.get_editable_lesson(user, maths_5a.public_id)
    assert access.can_edit_lesson(user, russian_5a)


def test_the_administrator_reads_all_and_records_nothing(world, maths_5a):
    assert maths_5a in access.lessons_visible_to(world.admin.user)
    assert not access.can_edit_lesson(world.admin.user, maths_5a)
    assert maths_5a not in access.lessons_visible_to(world.other_school_admin.user)


def test_a_substitute_records_and_the_replaced_teacher_does_not(world, maths_5a):
    maths_5a.substitute = world.other_teacher
    maths_5a.save()
    assert access.can_edit_lesson(world.other_teacher.user, maths_5a)
    assert not access.can_edit_lesson(world.teacher.user, maths_5a)


def test_a_closed_period_and_a_cancelled_lesson_are_locked(world, maths_5a):
    period = f.ReportingPeriodFactory(
        school_year=world.year, starts_on=maths_5a.date, ends_on=maths_5a.date.replace(year=maths_5a.date.year + 1)
    )
    period.closed_at = timezone.now()
    period.save()
    assert not access.can_edit_lesson(world.teacher.user, maths_5a)
    period.closed_at = None
    period.save()
    maths_5a.is_cancelled = True
    maths_5a.save()
    assert not access.can_edit_lesson(world.teacher.user, maths_5a)


def test_families_see_no_journal_lessons(world, maths_5a):
    for user in (world.parent.user, world.student.user):
        assert not access.lessons_visible_to(user).exists()
