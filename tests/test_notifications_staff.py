"""The staff's delivery pages: a family's log of every alert, email and SMS with its status, attempts
and error; the school's counts for today and 7 days, permanent failures and bouncing addresses."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.models import ContactPoint
from ediary.outbox import OutboxStatus
from gradebook.models import PersonalDataAccess
from notifications.models import Kind, Message, Notification

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

REPORT = reverse("notifications:school-report")


def family_log(guardian, **query) -> str:
    url = reverse("notifications:family-log", kwargs={"public_id": guardian.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def notification(guardian, student, **extra):
    return Notification.objects.create(
        school=student.school,
        guardian=guardian,
        student=student,
        kind=extra.pop("kind", Kind.MARK),
        dedupe_key=extra.pop("dedupe_key", f"staff-test:n{Notification.objects.count()}"),
        title=extra.pop("title", "New mark: 5"),
        text="Математика",
        not_before=extra.pop("not_before", timezone.now()),
        **extra,
    )


def message(guardian, *, channel="email", status=OutboxStatus.SENT, days_ago=0, **extra):
    row = Message.objects.create(
        school=guardian.school,
        guardian=guardian,
        channel=channel,
        to=extra.pop("to", "mama@example.ru" if channel == "email" else "+79161234567"),
        subject=extra.pop("subject", "Новая оценка"),
        text="Математика: 5",
        dedupe_key=extra.pop("dedupe_key", f"staff-test:m{Message.objects.count()}"),
        status=status,
        **extra,
    )
    if days_ago:
        Message.objects.filter(pk=row.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
    return row


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row of a table."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in rows
    ]


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_a_familys_log_shows_every_email_and_sms_with_status_attempts_and_error(client, world, role):
    alert = notification(world.parent, world.student)
    message(world.parent, notification=alert, attempts=1, sent_at=timezone.now())
    message(world.parent, channel="sms", status=OutboxStatus.FAILED, attempts=6, last_error="gateway: 400 bad number")
    message(world.parent, status=OutboxStatus.PENDING, not_before=timezone.now() + datetime.timedelta(hours=9))
    message(world.other_parent, subject="Not this family")
    client.force_login(getattr(world, role).user)
    response = client.get(family_log(world.parent))
    assert response.status_code == 200
    rows = cells(response.content.decode(), "family-messages")
    assert len(rows) == 3
    pending, failed, sent = rows
    assert pending[1] == "email" and pending[4].startswith("waiting from")
    assert (
        failed[1:3] == ["SMS", "+79161234567"]
        and failed[4] == "failed"
        and failed[5:] == ["6", "gateway: 400 bad number"]
    )
    assert sent[3] == "new mark: Анна" and sent[4].startswith("sent") and sent[5] == "1"
    assert "Not this family" not in response.content.decode()


def test_a_familys_log_shows_the_cabinet_alerts_waiting_read_and_cancelled(client, world):
    notification(world.parent, world.student, title="Read one", read_at=timezone.now())
    notification(world.parent, world.student, title="Cancelled one", kind=Kind.ABSENCE, cancelled_at=timezone.now())
    notification(
        world.parent, world.student, title="Waiting one", not_before=timezone.now() + datetime.timedelta(minutes=15)
    )
    notification(world.other_parent, world.other_student, title="Not this family")
    client.force_login(world.staff.user)
    html = client.get(family_log(world.parent, show="alerts")).content.decode()
    rows = {row[3]: row for row in cells(html, "family-alerts")}
    assert set(rows) == {"Read one", "Cancelled one", "Waiting one"}
    assert rows["Read one"][4].startswith("read ")
    assert rows["Cancelled one"][4].startswith("cancelled ") and rows["Cancelled one"][2] == "absence"
    assert rows["Waiting one"][4] == "not read"


def test_opening_a_familys_log_is_written_to_the_personal_data_log(client, world):
    client.force_login(world.staff.user)
    client.get(family_log(world.parent))
    assert PersonalDataAccess.objects.filter(
        viewer=world.staff.user, student=world.student, what="notifications:family-log"
    ).exists()


def test_another_schools_family_is_a_404(client, world):
    stranger = f.GuardianFactory(school=world.other_school)
    client.force_login(world.admin.user)
    assert client.get(family_log(stranger)).status_code == 404


def test_the_familys_log_is_paginated_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    alert = notification(world.parent, world.student)
    for number in range(60):
        message(world.parent, channel="email" if number % 2 else "sms", notification=alert if number % 3 else None)
    client.force_login(world.staff.user)
    with django_assert_max_num_queries(11):
        response = client.get(family_log(world.parent))
    assert len(cells(response.content.decode(), "family-messages")) == 25
    with django_assert_max_num_queries(11):
        client.get(family_log(world.parent, show="alerts"))


def test_the_school_report_counts_messages_by_channel_and_status_for_today_and_7_days(client, world):
    message(world.parent)
    message(world.parent)
    message(world.parent, days_ago=3)
    message(world.parent, days_ago=8)  # older than 7 days
    message(world.parent, channel="sms", status=OutboxStatus.FAILED, last_error="400")
    message(world.parent, channel="sms", status=OutboxStatus.PENDING, days_ago=6)
    other_school_parent = f.GuardianFactory(school=world.other_school)
    message(other_school_parent)
    notification(world.parent, world.student, read_at=timezone.now())
    notification(world.parent, world.student, cancelled_at=timezone.now())
    client.force_login(world.admin.user)
    html = client.get(REPORT).content.decode()
    counts = {(row[0], row[1]): (row[2], row[3]) for row in cells(html, "message-counts")}
    assert counts[("email", "sent")] == ("2", "3")
    assert counts[("SMS", "failed")] == ("1", "1")
    assert counts[("SMS", "waiting")] == ("0", "1")
    assert counts[("email", "failed")] == ("0", "0")
    alerts = {row[0]: (row[1], row[2]) for row in cells(html, "alert-counts")}
    assert alerts["written"] == ("2", "2")
    assert alerts["read"] == ("1", "1")
    assert alerts["cancelled (an absence corrected in time)"] == ("1", "1")


def test_the_school_report_lists_permanent_failures_and_bouncing_addresses_of_its_school(client, world):
    message(world.parent, channel="sms", status=OutboxStatus.FAILED, attempts=1, last_error="gateway: 400 bad number")
    stranger = f.GuardianFactory(school=world.other_school, surname="Чужая")
    message(stranger, status=OutboxStatus.FAILED, last_error="elsewhere")
    ContactPoint.objects.create(
        guardian=world.parent,
        kind="email",
        email="mama@example.ru",
        provenance="self",
        verified_at=timezone.now(),
        bouncing_at=timezone.now(),
    )
    ContactPoint.objects.create(
        guardian=stranger, kind="email", email="chuzhaya@example.ru", provenance="self", bouncing_at=timezone.now()
    )
    client.force_login(world.staff.user)
    html = client.get(REPORT).content.decode()
    failures = cells(html, "failures")
    assert len(failures) == 1
    assert failures[0][2:] == ["SMS", "+79161234567", "1", "gateway: 400 bad number"]
    assert family_log(world.parent) in html
    bouncing = cells(html, "bouncing")
    assert [row[2] for row in bouncing] == ["mama@example.ru"]
    assert "chuzhaya@example.ru" not in html and "elsewhere" not in html


def test_the_school_report_finds_a_family_of_its_own_school(client, world):
    world.parent.surname, world.parent.name = "Павлова", "Ольга"
    world.parent.save()
    f.GuardianFactory(school=world.other_school, surname="Павлова", name="Ирина")
    client.force_login(world.admin.user)
    html = client.get(REPORT, {"q": "павлова"}).content.decode()
    found = re.search(r'<ul id="guardians-found">(.*?)</ul>', html, re.S).group(1)
    assert family_log(world.parent) in found
    assert "Ирина" not in found
    assert "Nobody found." in client.get(REPORT, {"q": "Павлова Ирина"}).content.decode()


def test_the_school_report_reads_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    for number in range(40):
        guardian = f.GuardianFactory(school=world.school)
        message(guardian, status=OutboxStatus.FAILED, last_error=f"error {number}")
        ContactPoint.objects.create(
            guardian=guardian,
            kind="email",
            email=f"g{number}@example.ru",
            provenance="self",
            bouncing_at=timezone.now(),
        )
    client.force_login(world.admin.user)
    with django_assert_max_num_queries(13):
        response = client.get(REPORT, {"q": "Иванов"})
    html = response.content.decode()
    assert len(cells(html, "failures")) == 25
    assert len(cells(html, "bouncing")) == 40
