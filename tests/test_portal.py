"""The portal shell: home sends each role to its place; the pages show what they promise within a query budget."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertTemplateUsed

from . import factories as f

HOME = reverse("gradebook:home")


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("parent", "gradebook:children"),
        ("teacher", "gradebook:class-list"),
        ("class_teacher", "gradebook:class-list"),
        ("admin", "gradebook:school-overview"),
        ("staff", "gradebook:school-overview"),
    ],
)
def test_home_sends_each_role_to_its_place(client, world, role, target):
    client.force_login(getattr(world, role).user)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_home_sends_a_student_to_their_own_page(client, world):
    client.force_login(world.student.user)
    response = client.get(HOME)
    assert response["Location"] == reverse("gradebook:student-detail", kwargs={"public_id": world.student.public_id})


def test_home_without_a_profile_explains_what_to_do(client, db, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(f.UserFactory())
    response = client.get(HOME)
    assert response.status_code == 200
    assertTemplateUsed(response, "gradebook/home.html")
    assert "Your account is not yet linked to a student, a parent or an employee" in response.content.decode()


def test_home_requires_login(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_role_switch_changes_navigation_not_access(client, world):
    """A teacher who is also a parent starts as a teacher and can switch to the parent's view."""
    own_profile = f.GuardianFactory(school=world.school, user=world.teacher.user)
    f.GuardianshipFactory(guardian=own_profile, student=world.other_student, relation="father")
    f.record_decision(own_profile, world.other_student)
    client.force_login(world.teacher.user)
    assert client.get(HOME)["Location"] == reverse("gradebook:class-list")
    client.post(reverse("gradebook:role-switch"), {"role": "guardian"})
    assert client.get(HOME)["Location"] == reverse("gradebook:children")
    # Both relationships still open their objects, whatever the navigation shows.
    for student in (world.student, world.other_student):
        url = reverse("gradebook:student-detail", kwargs={"public_id": student.public_id})
        assert client.get(url).status_code == 200
    # A role the user does not hold is ignored.
    client.post(reverse("gradebook:role-switch"), {"role": "administrator"})
    assert client.get(HOME)["Location"] == reverse("gradebook:children")


def test_the_role_switch_refuses_a_foreign_next_url(client, world):
    client.force_login(world.teacher.user)
    response = client.post(reverse("gradebook:role-switch"), {"role": "teacher", "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_child_page_shows_school_class_class_teacher_and_teachers(client, world):
    english = f.StudyGroupFactory(
        school_year=world.year, name="Английский язык, группа 1", kind="subgroup", class_unit=world.class_5a
    )
    f.StudyGroupMembershipFactory(group=english, student=world.student)
    anglicist = f.EmployeeFactory(school=world.school, surname="Английская", name="Ольга", patronymic="Петровна")
    f.TeachingAssignmentFactory(
        teacher=anglicist,
        subject=f.SubjectFactory(school=world.school, name="Английский язык"),
        class_unit=None,
        study_group=english,
    )
    client.force_login(world.parent.user)
    page = client.get(reverse("gradebook:student-detail", kwargs={"public_id": world.student.public_id}))
    text = page.content.decode()
    assert page.status_code == 200
    assert world.student.full_name in text
    assert world.school.name in text
    assert "5А" in text
    assert world.class_teacher.full_name in text
    assert "Математика" in text and world.teacher.full_name in text
    assert "Английский язык" in text and "Английская Ольга Петровна" in text
    assert world.other_teacher.full_name not in text


def test_children_page_lists_each_child_with_class(client, world):
    second = f.StudentFactory(school=world.school, surname="Младшая", name="Вера")
    f.ClassMembershipFactory(student=second, class_unit=world.class_6b)
    f.GuardianshipFactory(guardian=world.parent, student=second)
    f.record_decision(world.parent, second)
    client.force_login(world.parent.user)
    text = client.get(reverse("gradebook:children")).content.decode()
    assert "Анна Ученикова" in text and "Вера Младшая" in text
    assert "5А" in text and "6Б" in text
    assert world.other_student.surname not in text


def _grow_school(world, students: int, subjects: int):
    """More children for the parent, more students and more teachers: an N+1 would show."""
    for i in range(students):
        child = f.StudentFactory(school=world.school, surname=f"Ребёнок{i}")
        f.ClassMembershipFactory(student=child, class_unit=world.class_5a if i % 2 else world.class_6b)
        f.GuardianshipFactory(guardian=world.parent, student=child, electronic_access=True)
    for i in range(subjects):
        subject = f.SubjectFactory(school=world.school, name=f"Предмет {i}")
        f.TeachingAssignmentFactory(
            teacher=f.EmployeeFactory(school=world.school), subject=subject, class_unit=world.class_5a
        )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


PAGES = {
    "children": ("parent", lambda w: reverse("gradebook:children")),
    "student-detail": (
        "parent",
        lambda w: reverse("gradebook:student-detail", kwargs={"public_id": w.student.public_id}),
    ),
    "class-list": ("admin", lambda w: reverse("gradebook:class-list")),
    "class-detail": (
        "class_teacher",
        lambda w: reverse("gradebook:class-detail", kwargs={"public_id": w.class_5a.public_id}),
    ),
    "school-overview": ("admin", lambda w: reverse("gradebook:school-overview")),
}
BUDGET = 14


@pytest.mark.parametrize("page", sorted(PAGES))
def test_query_budget_does_not_grow_with_the_school(client, world, django_assert_max_num_queries, page):
    role, url_of = PAGES[page]
    client.force_login(getattr(world, role).user)
    url = url_of(world)
    small = _count(client, url)
    _grow_school(world, students=30, subjects=12)
    with django_assert_max_num_queries(BUDGET):
        assert client.get(url).status_code == 200
    assert _count(client, url) == small


def test_home_page_query_budget(client, world, django_assert_max_num_queries):
    _grow_school(world, students=30, subjects=12)
    client.force_login(world.parent.user)
    with django_assert_max_num_queries(8):
        assert client.get(HOME).status_code == 302
