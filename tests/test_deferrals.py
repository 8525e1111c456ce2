"""Deferrals (отсрочка) through their pages: the class teacher of the student's class or an
administrator records one and extends it; the list puts the overdue ones first; the finals page shows
"deferred until" and offers to defer; who may do what."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gradebook.models import Deferral, DeferralExtension, PersonalDataAccess
from gradebook.services import finals as services

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

LIST = reverse("gradebook:deferral-list")


def create_url(student) -> str:
    return reverse("gradebook:deferral-create", kwargs={"public_id": student.public_id})


def extend_url(deferral) -> str:
    return reverse("gradebook:deferral-extend", kwargs={"public_id": deferral.public_id})


def _form(world, quarter, **changes):
    data = {
        "subject": world.math.public_id,
        "period": quarter.public_id,
        "reason": "Болезнь, справка № 12",
        "due_on": (quarter.ends_on + datetime.timedelta(days=21)).isoformat(),
    }
    return {**data, **changes}


# --- Recording and extending ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["class_teacher", "admin"])
def test_the_class_teacher_or_administrator_records_a_deferral(client, world, quarter, role):
    client.force_login(getattr(world, role).user)
    page = client.get(create_url(world.student), {"subject": world.math.public_id, "period": quarter.public_id})
    assert page.status_code == 200
    assert f'<option value="{quarter.public_id}" selected>' in page.content.decode()
    response = client.post(create_url(world.student), _form(world, quarter), follow=True)
    deferral = Deferral.objects.get()
    assert (deferral.student, deferral.subject, deferral.period) == (world.student, world.math, quarter)
    assert deferral.due_on == quarter.ends_on + datetime.timedelta(days=21)
    assert deferral.recorded_by == getattr(world, role).user
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == LIST
    assert f"is deferred until {deferral.due_on:%d.%m.%Y}" in html
    assert "Болезнь, справка № 12" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_on": "2000-01-01"}, "The due date comes after the end of the period."),
        ({"reason": "   "}, "This field is required."),
        ({"due_on": "tomorrow"}, "Enter a valid date."),
    ],
)
def test_a_refused_deferral_says_why_and_records_nothing(client, world, quarter, changes, message):
    client.force_login(world.class_teacher.user)
    response = client.post(create_url(world.student), _form(world, quarter, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Deferral.objects.exists()


def test_a_final_already_set_is_not_deferred(client, world, quarter):
    f.FinalMarkFactory(student=world.student, subject=world.math, period=quarter, value="4")
    client.force_login(world.admin.user)
    response = client.post(create_url(world.student), _form(world, quarter))
    assert "This final is already set: change the final instead of deferring it." in response.content.decode()
    assert not Deferral.objects.exists()


def test_a_deferral_is_extended_and_keeps_its_history(client, world, quarter):
    deferral = f.DeferralFactory(student=world.student, subject=world.math, period=quarter)
    old_due = deferral.due_on
    new_due = old_due + datetime.timedelta(days=10)
    client.force_login(world.class_teacher.user)
    page = client.get(extend_url(deferral)).content.decode()
    assert f'value="{(old_due + datetime.timedelta(days=14)).isoformat()}"' in page  # two weeks suggested
    response = client.post(extend_url(deferral), {"due_on": new_due.isoformat(), "reason": "Продлён больничный"})
    assert response.status_code == 302
    deferral.refresh_from_db()
    assert deferral.due_on == new_due
    extension = DeferralExtension.objects.get()
    assert (extension.old_due_on, extension.new_due_on, extension.reason) == (old_due, new_due, "Продлён больничный")
    html = client.get(extend_url(deferral)).content.decode()
    assert f"{old_due:%d.%m.%Y} → {new_due:%d.%m.%Y} · Продлён больничный" in html
    assert "extended once" in client.get(LIST).content.decode()


def test_an_extension_must_move_the_date_later(client, world, quarter):
    deferral = f.DeferralFactory(student=world.student, subject=world.math, period=quarter)
    client.force_login(world.admin.user)
    earlier = (deferral.due_on - datetime.timedelta(days=1)).isoformat()
    response = client.post(extend_url(deferral), {"due_on": earlier, "reason": "Ошибка"})
    assert response.status_code == 200
    assert "An extension moves the due date later." in response.content.decode()
    assert not DeferralExtension.objects.exists()


# --- The list ------------------------------------------------------------------------------------


def test_the_list_puts_overdue_deferrals_first_and_highlights_them(client, world, quarter):
    today = timezone.localdate()
    classmate = f.StudentFactory(school=world.school, surname="Соседов")
    f.ClassMembershipFactory(student=classmate, class_unit=world.class_5a)
    later = f.DeferralFactory(student=world.student, subject=world.math, period=quarter, due_on=today)
    overdue = f.DeferralFactory(
        student=classmate, subject=world.math, period=quarter, due_on=today - datetime.timedelta(days=3)
    )
    resolved = f.DeferralFactory(
        student=world.other_student, subject=world.math, period=quarter, resolved_at=timezone.now()
    )
    for role in ("class_teacher", "admin"):
        client.force_login(getattr(world, role).user)
        response = client.get(LIST)
        lines = response.context["lines"]
        assert [line.deferral for line in lines] == [overdue, later]
        assert [line.overdue for line in lines] == [True, False]
        html = response.content.decode()
        assert html.count('class="is-overdue"') == 1
        assert "1 deferral is past its due date and its final is not set." in html
        assert str(resolved.public_id) not in html


def test_the_class_teacher_sees_only_the_deferrals_of_their_class(client, world, quarter):
    f.DeferralFactory(student=world.other_student, subject=world.math, period=quarter)  # 6Б
    mine = f.DeferralFactory(student=world.student, subject=world.math, period=quarter)
    client.force_login(world.class_teacher.user)
    assert [line.deferral for line in client.get(LIST).context["lines"]] == [mine]
    client.force_login(world.admin.user)
    assert len(client.get(LIST).context["lines"]) == 2
    client.force_login(world.other_school_admin.user)
    assert client.get(LIST).context["lines"] == []


def test_setting_the_final_ends_the_deferral(client, world, quarter):
    f.DeferralFactory(student=world.student, subject=world.math, period=quarter)
    services.final_record(
        by=world.teacher.user,
        student=world.student,
        subject=world.math,
        kind="period",
        period=quarter,
        value="4",
        class_unit=world.class_5a,
    )
    client.force_login(world.class_teacher.user)
    assert client.get(LIST).context["lines"] == []


def test_the_picker_opens_the_form_for_a_student_of_ones_own(client, world, quarter):
    client.force_login(world.class_teacher.user)
    html = client.get(LIST).content.decode()
    assert f'<option value="{world.student.public_id}">' in html
    assert str(world.other_student.public_id) not in html
    response = client.get(LIST, {"student": world.student.public_id})
    assert response.status_code == 302 and response["Location"] == create_url(world.student)
    assert client.get(LIST, {"student": world.other_student.public_id}).status_code == 404
    assert client.get(LIST, {"student": "not-a-uuid"}).status_code == 200


def test_opening_the_deferrals_is_logged(client, world, quarter):
    deferral = f.DeferralFactory(student=world.student, subject=world.math, period=quarter)
    client.force_login(world.admin.user)
    client.get(LIST)
    client.get(extend_url(deferral))
    client.get(create_url(world.student))
    assert sorted(PersonalDataAccess.objects.filter(student=world.student).values_list("what", flat=True)) == [
        "gradebook:deferral-create",
        "gradebook:deferral-extend",
        "gradebook:deferral-list",
    ]


def test_the_list_of_30_deferrals_reads_in_a_constant_number_of_queries(
    client, world, quarter, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    f.DeferralFactory(student=world.student, subject=world.math, period=quarter)
    client.force_login(world.admin.user)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    today = timezone.localdate()
    for index in range(29):
        student = f.StudentFactory(school=world.school)
        f.ClassMembershipFactory(student=student, class_unit=world.class_6b if index % 2 else world.class_5a)
        deferral = f.DeferralFactory(
            student=student, subject=world.math, period=quarter, due_on=today + datetime.timedelta(days=index - 10)
        )
        DeferralExtension.objects.create(
            deferral=deferral,
            old_due_on=deferral.due_on - datetime.timedelta(days=7),
            new_due_on=deferral.due_on,
            reason="Продление",
            recorded_by=world.admin.user,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["lines"]) == 30
    assert len(few.captured_queries) <= 15


# --- The finals page and deferrals ----------------------------------------------------------------


def test_the_finals_page_offers_to_defer_an_open_final_to_those_who_may(client, world, quarter):
    f.LessonFactory(class_unit=world.class_5a, subject=world.math, teacher=world.teacher, date=quarter.starts_on)
    url = reverse(
        "gradebook:journal-finals",
        kwargs={"owner_public_id": world.class_5a.public_id, "subject_public_id": world.math.public_id},
    )
    url += f"?column={quarter.public_id}"
    defer = f'href="{create_url(world.student)}?subject={world.math.public_id}&amp;period={quarter.public_id}"'
    for role, offered in (("class_teacher", True), ("admin", True), ("teacher", False)):
        client.force_login(getattr(world, role).user)
        assert (defer in client.get(url).content.decode()) == offered, role
    f.DeferralFactory(student=world.student, subject=world.math, period=quarter)
    client.force_login(world.class_teacher.user)
    html = client.get(url).content.decode()
    assert defer not in html
    assert "deferred until" in html


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("class_teacher", 302),
        ("admin", 302),
        ("other_school_admin", 404),
        ("teacher", 403),
        ("staff", 403),
        ("parent", 403),
        ("student", 403),
    ],
)
def test_who_records_and_extends_deferrals(client, world, quarter, role, status):
    deferral = f.DeferralFactory(student=world.student, subject=world.math, period=quarter, reason="Болезнь")
    client.force_login(getattr(world, role).user)
    new_due = (deferral.due_on + datetime.timedelta(days=5)).isoformat()
    assert client.post(extend_url(deferral), {"due_on": new_due, "reason": "Продление"}).status_code == status
    other_subject = f.SubjectFactory(school=world.school, name="Физика")
    form = _form(world, quarter, subject=other_subject.public_id)
    assert client.post(create_url(world.student), form).status_code == status
    assert Deferral.objects.count() == (2 if status == 302 else 1)


def test_the_class_teacher_of_another_class_gets_404(client, world, quarter):
    """The class teacher of 5А may not defer the final of a 6Б student."""
    deferral = f.DeferralFactory(student=world.other_student, subject=world.math, period=quarter)
    client.force_login(world.class_teacher.user)
    assert client.get(create_url(world.other_student)).status_code == 404
    assert client.post(create_url(world.other_student), _form(world, quarter)).status_code == 404
    assert client.get(extend_url(deferral)).status_code == 404
