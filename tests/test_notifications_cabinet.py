"""The parent's alerts in the cabinet: only their own, about children whose diary they may read, shown
from ``not_before`` and not cancelled; the unread badge; opening one; "mark all read"."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gradebook.models import Guardianship
from notifications.models import Kind, Notification

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)

LIST = reverse("notifications:notification-list")


def alert(guardian, student, *, title="New mark: 5", minutes_ago=10, **extra):
    """A cabinet alert shown ``minutes_ago`` (negative: still waiting)."""
    return Notification.objects.create(
        school=student.school,
        guardian=guardian,
        student=student,
        kind=extra.pop("kind", Kind.MARK),
        dedupe_key=extra.pop("dedupe_key", f"test:{Notification.objects.count()}:{title}:{minutes_ago}"),
        title=title,
        text=extra.pop("text", "Математика, ответ на уроке"),
        url=extra.pop("url", f"/students/{student.public_id}/marks/"),
        not_before=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        **extra,
    )


def shown_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-notification="(\d+)"', response.content.decode())]


def test_the_list_shows_the_parents_alerts_newest_first_unread_marked_new(client, world):
    older = alert(world.parent, world.student, title="Older", minutes_ago=60, read_at=timezone.now())
    newer = alert(world.parent, world.student, title="Newer", minutes_ago=5)
    alert(world.other_parent, world.other_student, title="Someone else's")
    client.force_login(world.parent.user)
    response = client.get(LIST)
    assert response.status_code == 200
    assert shown_ids(response) == [newer.pk, older.pk]
    html = response.content.decode()
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html
    unread = re.search(rf'<li[^>]*data-notification="{newer.pk}".*?</li>', html, re.S).group(0)
    assert "is-unread" in unread and "<strong>" in unread and ">new<" in unread
    read = re.search(rf'<li[^>]*data-notification="{older.pk}".*?</li>', html, re.S).group(0)
    assert "is-unread" not in read and "<strong>" not in read and ">new<" not in read


def test_waiting_and_cancelled_alerts_are_not_shown(client, world):
    shown = alert(world.parent, world.student, title="Shown")
    alert(world.parent, world.student, title="Absence, in its grace period", minutes_ago=-10, kind=Kind.ABSENCE)
    alert(world.parent, world.student, title="Absence corrected", cancelled_at=timezone.now(), kind=Kind.ABSENCE)
    client.force_login(world.parent.user)
    response = client.get(LIST)
    assert shown_ids(response) == [shown.pk]
    assert response.context["unread_notifications"] == 1


def test_alerts_about_a_child_whose_diary_is_closed_are_hidden(client, world):
    """Consent withdrawn (the registry clears electronic access) or the guardianship ended: the alerts
    about that child go with the diary."""
    kept = alert(world.parent, world.student)
    other_child = f.StudentFactory(school=world.school)
    link = f.GuardianshipFactory(guardian=world.parent, student=other_child)
    f.record_decision(world.parent, other_child)
    hidden = alert(world.parent, other_child)
    client.force_login(world.parent.user)
    assert shown_ids(client.get(LIST)) == [hidden.pk, kept.pk]
    Guardianship.objects.filter(pk=link.pk).update(electronic_access=False)
    assert shown_ids(client.get(LIST)) == [kept.pk]
    assert client.get(reverse("notifications:notification-open", args=[hidden.pk])).status_code == 404
    Guardianship.objects.filter(pk=link.pk).update(
        electronic_access=True, ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert shown_ids(client.get(LIST)) == [kept.pk]


def test_the_badge_counts_unread_alerts_for_a_parent_only(client, world):
    alert(world.parent, world.student, title="One")
    alert(world.parent, world.student, title="Two")
    alert(world.parent, world.student, title="Read", read_at=timezone.now())
    client.force_login(world.parent.user)
    html = client.get(reverse("gradebook:children")).content.decode()
    badge = re.search(r'<span class="badge" id="unread-count">(\d+)</span>', html)
    assert badge and badge.group(1) == "2"
    assert reverse("notifications:notification-list") in html

    client.force_login(world.teacher.user)
    response = client.get(reverse("gradebook:class-list"))
    assert "unread_notifications" not in response.context
    assert 'id="unread-count"' not in response.content.decode()


def test_no_badge_when_everything_is_read(client, world):
    alert(world.parent, world.student, read_at=timezone.now())
    client.force_login(world.parent.user)
    html = client.get(reverse("gradebook:children")).content.decode()
    assert 'id="unread-count"' not in html
    assert reverse("notifications:notification-list") in html


def test_the_badge_costs_one_query(client, world):
    for number in range(5):
        alert(world.parent, world.student, title=f"Alert {number}")
    client.force_login(world.parent.user)
    client.get(reverse("gradebook:children"))  # the session and roles warm up like any page
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("gradebook:children"))
    assert sum("notifications_notification" in query["sql"] for query in queries.captured_queries) == 1


def test_opening_an_alert_marks_it_read_and_goes_to_its_page(client, world):
    notification = alert(world.parent, world.student)
    client.force_login(world.parent.user)
    response = client.get(reverse("notifications:notification-open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/students/{world.student.public_id}/marks/"
    notification.refresh_from_db()
    first_reading = notification.read_at
    assert first_reading is not None
    client.get(reverse("notifications:notification-open", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read_at == first_reading


@pytest.mark.parametrize("url", ["", "https://evil.example/phish", "//evil.example/phish"])
def test_an_alert_without_a_safe_local_link_goes_back_to_the_list(client, world, url):
    notification = alert(world.parent, world.student, url=url)
    client.force_login(world.parent.user)
    response = client.get(reverse("notifications:notification-open", args=[notification.pk]))
    assert response["Location"] == LIST


@pytest.mark.parametrize("whose", ["other_parent", "waiting", "cancelled", "missing"])
def test_opening_an_alert_that_is_not_shown_to_the_parent_is_a_404(client, world, whose):
    if whose == "other_parent":
        notification = alert(world.other_parent, world.other_student)
    elif whose == "waiting":
        notification = alert(world.parent, world.student, minutes_ago=-5)
    elif whose == "cancelled":
        notification = alert(world.parent, world.student, cancelled_at=timezone.now())
    else:
        notification = alert(world.parent, world.student)
        Notification.objects.filter(pk=notification.pk).delete()
    client.force_login(world.parent.user)
    response = client.get(reverse("notifications:notification-open", args=[notification.pk]))
    assert response.status_code == 404
    assert not Notification.objects.filter(pk=notification.pk, read_at__isnull=False).exists()


def test_mark_all_read_marks_only_the_parents_shown_alerts(client, world):
    mine = [alert(world.parent, world.student, title=f"Mine {n}") for n in range(3)]
    waiting = alert(world.parent, world.student, minutes_ago=-5)
    others = alert(world.other_parent, world.other_student)
    client.force_login(world.parent.user)
    assert client.get(reverse("notifications:notification-read-all")).status_code == 405
    response = client.post(reverse("notifications:notification-read-all"))
    assert response.status_code == 302 and response["Location"] == LIST
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    for untouched in (waiting, others):
        untouched.refresh_from_db()
        assert untouched.read_at is None
    assert 'id="unread-count"' not in client.get(LIST).content.decode()


def test_the_list_is_paginated_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    children = [world.student]
    for _number in range(3):
        child = f.StudentFactory(school=world.school)
        f.GuardianshipFactory(guardian=world.parent, student=child)
        f.record_decision(world.parent, child)
        children.append(child)
    for number in range(45):
        alert(world.parent, children[number % 4], title=f"Alert {number}", minutes_ago=number + 1)
    client.force_login(world.parent.user)
    with django_assert_max_num_queries(9):
        response = client.get(LIST)
    assert len(shown_ids(response)) == 20
    assert 'rel="next"' in response.content.decode()
    last = client.get(LIST, {"page": 3})
    assert len(shown_ids(last)) == 5


def test_a_title_is_escaped(client, world):
    alert(world.parent, world.student, title="<script>alert(1)</script>")
    client.force_login(world.parent.user)
    html = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
