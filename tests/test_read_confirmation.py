"""Read confirmation: "I have read this week's diary", once per family and week, from the cabinet's week page
or with one click from the weekly digest (no login, but a button: link scanners confirm nothing); the class
teacher sees who confirmed which week and which families have read nothing for two weeks."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.models import ContactPoint, DeliveryPreference
from notifications.models import Message, Notification, ReadConfirmation
from notifications.services.digests import digests_build
from notifications.services.read_confirmations import read_confirm, read_confirm_token

from . import factories as f

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
FRIDAY = datetime.datetime(2026, 11, 13, 18, 30, tzinfo=MSK)
MONDAY = datetime.date(2026, 11, 9)


@pytest.fixture(autouse=True)
def _friday(time_machine, settings):
    time_machine.move_to(FRIDAY)
    settings.LANGUAGE_CODE = "en"


def _week_url(student):
    return reverse("notifications:week-confirm", kwargs={"public_id": student.public_id})


def _link(guardian, student, week=MONDAY):
    return reverse("notifications:read-confirm", kwargs={"token": read_confirm_token(guardian, student, week)})


# --- The service ------------------------------------------------------------------------------------


def test_once_per_family_and_week(world):
    first = read_confirm(guardian=world.parent, student=world.student, week_start=MONDAY, user=world.parent.user)
    again = read_confirm(
        guardian=world.parent,
        student=world.student,
        week_start=MONDAY + datetime.timedelta(days=3),  # any day of the week names it
        user=world.parent.user,
    )
    assert again.pk == first.pk and again.confirmed_at == first.confirmed_at
    assert first.week_start == MONDAY
    assert ReadConfirmation.objects.count() == 1
    read_confirm(
        guardian=world.parent,
        student=world.student,
        week_start=MONDAY - datetime.timedelta(weeks=1),
        user=world.parent.user,
    )
    assert ReadConfirmation.objects.count() == 2


# --- The family's week page ---------------------------------------------------------------------------


def test_the_parent_confirms_this_week_on_the_week_page(client, world):
    client.force_login(world.parent.user)
    response = client.get(_week_url(world.student))
    assert response.status_code == 200
    assert b"I have read this week" in response.content
    for _ in range(2):
        response = client.post(_week_url(world.student), {"week": MONDAY.isoformat()})
        assert response.status_code == 302
    confirmation = ReadConfirmation.objects.get()
    assert (confirmation.guardian, confirmation.student, confirmation.week_start, confirmation.user) == (
        world.parent,
        world.student,
        MONDAY,
        world.parent.user,
    )
    assert "Confirmed on" in client.get(_week_url(world.student)).content.decode()


def test_only_this_week_and_the_last_can_be_confirmed(client, world):
    client.force_login(world.parent.user)
    response = client.post(_week_url(world.student), {"week": "2026-10-05"})
    assert response.status_code == 400
    assert not ReadConfirmation.objects.exists()


def test_another_parent_gets_404(client, world):
    client.force_login(world.other_parent.user)
    assert client.get(_week_url(world.student)).status_code == 404
    assert client.post(_week_url(world.student), {"week": MONDAY.isoformat()}).status_code == 404
    assert not ReadConfirmation.objects.exists()


# --- The one-click link of the weekly digest ----------------------------------------------------------


def test_the_link_asks_first_and_records_on_the_button(client, world):
    url = _link(world.parent, world.student)
    response = client.get(url)  # a mail scanner opening the link, signed out
    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    assert not ReadConfirmation.objects.exists()
    response = client.post(url)
    assert response.status_code == 200 and b"Thank you" in response.content
    client.post(url)
    confirmation = ReadConfirmation.objects.get()
    assert (confirmation.week_start, confirmation.user) == (MONDAY, world.parent.user)
    assert b"Already confirmed" in client.get(url).content


def test_a_damaged_link_records_nothing(client, world):
    url = _link(world.parent, world.student)[:-3] + "xyz/"
    assert client.post(url).status_code == 400
    assert not ReadConfirmation.objects.exists()


def test_the_link_stops_working_when_consent_is_withdrawn(client, world):
    url = _link(world.parent, world.student)
    f.record_decision(world.parent, world.student, decision="withdrawal")
    response = client.post(url)
    assert response.status_code == 400
    assert not ReadConfirmation.objects.exists()


def test_the_weekly_digest_carries_a_working_link(client, world):
    ContactPoint.objects.create(
        guardian=world.parent, kind="email", email="p@example.test", provenance="self", verified_at=timezone.now()
    )
    DeliveryPreference.objects.create(guardian=world.parent, student=world.student, rhythm="weekly")
    digests_build(school=world.school, rhythm="weekly", day=FRIDAY.date(), guardian_ids=[world.parent.pk])
    text = Message.objects.get().text
    link = re.search(r"http://[^/]+(/notifications/read/[^/\s]+/)", text).group(1)
    client.post(link)
    assert ReadConfirmation.objects.get().week_start == MONDAY
    # The cabinet's alert of the weekly digest leads to the week page.
    client.force_login(world.parent.user)
    alert = Notification.objects.get(student=world.student)
    assert client.get(reverse("notifications:notification-open", kwargs={"pk": alert.pk})).url == _week_url(
        world.student
    )


def test_a_parent_without_a_login_confirms_from_the_weekly_email(client, world):
    """Families told only by email (no cabinet login) confirm too: the confirmation names no user."""
    guardian = f.GuardianFactory(school=world.school, user=None)
    f.GuardianshipFactory(guardian=guardian, student=world.student)
    f.record_decision(guardian, world.student)
    ContactPoint.objects.create(
        guardian=guardian,
        kind="email",
        email="nologin@example.test",
        provenance="written",
        document_number="17",
        document_date=MONDAY,
        verified_at=timezone.now(),
    )
    DeliveryPreference.objects.create(guardian=guardian, student=world.student, rhythm="weekly")
    digests_build(school=world.school, rhythm="weekly", day=FRIDAY.date(), guardian_ids=[guardian.pk])
    text = Message.objects.get(guardian=guardian, channel="email").text
    link = re.search(r"http://[^/]+(/notifications/read/[^/\s]+/)", text).group(1)
    assert client.post(link).status_code == 200
    confirmation = ReadConfirmation.objects.get(guardian=guardian)
    assert (confirmation.week_start, confirmation.user) == (MONDAY, None)


# --- The class teacher's overview -----------------------------------------------------------------------


def _reading_url(world):
    return reverse("notifications:class-reading", kwargs={"public_id": world.class_5a.public_id})


def _family_of_5a(world, surname):
    student = f.StudentFactory(school=world.school, surname=surname, name="Олег")
    f.ClassMembershipFactory(student=student, class_unit=world.class_5a)
    guardian = f.GuardianFactory(school=world.school, surname=f"{surname}а", name="Ирина")
    f.GuardianshipFactory(guardian=guardian, student=student)
    f.record_decision(guardian, student)
    return guardian, student


def test_the_class_teacher_sees_who_confirmed_and_who_is_silent(client, world, time_machine):
    opened_alert, opened_student = _family_of_5a(world, "Читаев")
    _silent, silent_student = _family_of_5a(world, "Молчанов")
    long_ago, long_ago_student = _family_of_5a(world, "Давнов")
    read_confirm(guardian=world.parent, student=world.student, week_start=MONDAY, user=world.parent.user)
    Notification.objects.create(
        school=world.school,
        guardian=opened_alert,
        student=opened_student,
        kind="mark",
        dedupe_key="mark:test",
        title="Новая отметка",
        text="5",
        not_before=timezone.now(),
        read_at=timezone.now() - datetime.timedelta(days=3),
    )
    time_machine.move_to(FRIDAY - datetime.timedelta(days=20))
    read_confirm(guardian=long_ago, student=long_ago_student, week_start=timezone.localdate(), user=world.parent.user)
    time_machine.move_to(FRIDAY)

    client.force_login(world.class_teacher.user)
    response = client.get(_reading_url(world))
    assert response.status_code == 200
    reading = response.context["reading"]
    by_student = {family.student: family for family in reading.families}
    assert [cell.confirmation is not None for cell in by_student[world.student].weeks][:2] == [True, False]
    assert reading.weeks[0] == MONDAY
    assert {family.student for family in reading.silent} == {silent_student, long_ago_student}
    silent_list = re.search(r'<ul id="silent-families">(.*?)</ul>', response.content.decode(), re.S).group(1)
    assert "Молчанов" in silent_list and "Давнов" in silent_list
    assert "Читаев" not in silent_list and world.student.surname not in silent_list


def test_the_overview_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(15):
        guardian, student = _family_of_5a(world, f"Ученик{n}")
        read_confirm(guardian=guardian, student=student, week_start=MONDAY, user=world.parent.user)
    client.force_login(world.class_teacher.user)
    with django_assert_max_num_queries(20):
        assert client.get(_reading_url(world)).status_code == 200


def test_other_teachers_and_schools_do_not_see_it(client, world):
    world.class_6b.class_teacher = f.EmployeeFactory(school=world.school, user=f.UserFactory(username="teacher6b"))
    world.class_6b.save()
    client.force_login(world.class_6b.class_teacher.user)
    assert client.get(_reading_url(world)).status_code == 404
    client.force_login(world.other_school_admin.user)
    assert client.get(_reading_url(world)).status_code == 404
    client.force_login(world.parent.user)
    assert client.get(_reading_url(world)).status_code == 403


def test_the_diary_week_page_offers_the_parent_the_confirmation(client, world):
    week_page = reverse("gradebook:diary-week", kwargs={"public_id": world.student.public_id})
    client.force_login(world.parent.user)
    assert _week_url(world.student) in client.get(week_page).content.decode()
    # One click: the form posts this week's Monday.
    client.post(_week_url(world.student), {"week": MONDAY.isoformat()})
    assert ReadConfirmation.objects.get().week_start == MONDAY
    client.force_login(world.class_teacher.user)
    assert _week_url(world.student) not in client.get(week_page).content.decode()
