"""Recommendations: a teacher writes to a student they teach (or whose class they lead), the text is
required and bounded, the signal is sent; the pages offer only the teacher's students."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gradebook import signals
from gradebook.models import Recommendation
from gradebook.services.recommendations import TEXT_MAX_LENGTH, recommendation_write

from . import factories as f

CREATE = reverse("gradebook:recommendation-create")
LIST = reverse("gradebook:recommendation-list")


@pytest.fixture
def sent():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.recommendation_written.connect(receiver)
    yield received
    signals.recommendation_written.disconnect(receiver)


def _write(world, employee, student=None, text="Повторить дроби.", subject=None):
    return recommendation_write(
        student=student or world.student, teacher=employee, text=text, subject=subject, by=employee.user
    )


def test_a_teacher_writes_to_a_student_they_teach_and_it_is_announced(world, sent):
    maths = world.teacher.assignments.get().subject
    recommendation = _write(world, world.teacher, text="  Повторить дроби.  ", subject=maths)
    assert (recommendation.student, recommendation.teacher, recommendation.subject) == (
        world.student,
        world.teacher,
        maths,
    )
    assert recommendation.text == "Повторить дроби." and recommendation.school == world.school
    assert sent == [
        {"signal": signals.recommendation_written, "recommendation": recommendation, "by": world.teacher.user}
    ]


def test_the_class_teacher_writes_to_their_class_without_an_assignment(world):
    assert _write(world, world.class_teacher).pk


def test_a_teacher_who_does_not_teach_the_student_is_refused(world, sent):
    with pytest.raises(PermissionDenied):
        _write(world, world.other_teacher)  # teaches 6Б, not the student's 5А
    with pytest.raises(PermissionDenied):
        _write(world, world.teacher, student=world.other_student)
    assert not Recommendation.objects.exists() and sent == []


def test_an_administrator_who_sees_every_student_does_not_write(world):
    with pytest.raises(PermissionDenied):
        _write(world, world.admin)
    # an administrator who also teaches writes to their own students only
    world.admin.is_teacher = True
    world.admin.save()
    with pytest.raises(PermissionDenied):
        _write(world, world.admin)


def test_one_cannot_sign_as_another_teacher(world):
    with pytest.raises(PermissionDenied):
        recommendation_write(student=world.student, teacher=world.teacher, text="Молодец", by=world.class_teacher.user)


def test_a_former_assignment_no_longer_opens_the_student(world):
    assignment = world.teacher.assignments.get()
    assignment.ends_on = assignment.starts_on
    assignment.save()
    with pytest.raises(PermissionDenied):
        _write(world, world.teacher)


@pytest.mark.parametrize("text", ["", "   ", "x" * (TEXT_MAX_LENGTH + 1)])
def test_the_text_is_required_and_bounded(world, text, sent):
    with pytest.raises(ValidationError):
        _write(world, world.teacher, text=text)
    assert not Recommendation.objects.exists() and sent == []


def test_a_subject_of_another_school_is_refused(world):
    with pytest.raises(ValidationError):
        _write(world, world.teacher, subject=f.SubjectFactory(school=world.other_school, name="Химия"))


# --- Pages -----------------------------------------------------------------------------------


def test_the_form_offers_the_teachers_students_and_preselects_one(client, world):
    client.force_login(world.teacher.user)
    html = client.get(CREATE).content.decode()
    assert world.student.full_name in html and "(5А)" in html
    assert world.other_student.full_name not in html
    response = client.get(CREATE, {"student": str(world.student.public_id)})
    assert response.context["form"]["student"].value() == world.student.public_id
    assert f'<option value="{world.student.public_id}" selected>' in response.content.decode()
    assert client.get(CREATE, {"student": str(world.other_student.public_id)}).status_code == 404
    assert client.get(CREATE, {"student": "not-a-uuid"}).status_code == 404


def test_posting_writes_and_lists_it(client, world, sent):
    maths = world.teacher.assignments.get().subject
    client.force_login(world.teacher.user)
    data = {
        "student": str(world.student.public_id),
        "subject": str(maths.public_id),
        "text": "Решать по 3 задачи в день",
    }
    response = client.post(CREATE, data)
    assert response.status_code == 302 and response["Location"] == LIST
    assert len(sent) == 1
    html = client.get(LIST).content.decode()
    assert "Решать по 3 задачи в день" in html and world.student.full_name in html and "Математика" in html


def test_posting_for_a_student_not_taught_changes_nothing(client, world):
    client.force_login(world.teacher.user)
    response = client.post(CREATE, {"student": str(world.other_student.public_id), "text": "Текст"})
    assert response.status_code == 200 and response.context["form"].errors["student"]
    response = client.post(CREATE, {"student": str(world.student.public_id), "text": " "})
    assert response.context["form"].errors["text"]
    assert not Recommendation.objects.exists()


def test_the_list_shows_only_the_teachers_own(client, world):
    f.RecommendationFactory(student=world.student, teacher=world.class_teacher, text="От классного руководителя")
    f.RecommendationFactory(student=world.student, teacher=world.teacher, text="От учителя математики")
    client.force_login(world.teacher.user)
    html = client.get(LIST).content.decode()
    assert "От учителя математики" in html and "От классного руководителя" not in html


def test_the_list_reads_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(3):
        f.RecommendationFactory(student=world.student, teacher=world.teacher, text=f"Совет {n}")
    client.force_login(world.teacher.user)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    for n in range(20):
        f.RecommendationFactory(
            student=f.StudentFactory(school=world.school),
            teacher=world.teacher,
            subject=f.SubjectFactory(school=world.school, name=f"Предмет {n}"),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)
