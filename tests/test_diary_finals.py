"""The family's finals page: the current school year's finals that the 24-hour rule has published, never
one before; exams on their own scales; open deferrals with their due date; a constant number of queries."""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gradebook.services.finals import final_record

from . import factories as f


@pytest.fixture
def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def maths(world):
    return world.teacher.assignments.get().subject


@pytest.fixture
def quarters(world):
    """Two quarters of grades 2–9 at the start of the world's year, and the year itself as a period."""
    start = world.year.starts_on
    first = f.ReportingPeriodFactory(
        school_year=world.year, number=1, starts_on=start, ends_on=start + datetime.timedelta(days=55), max_grade=9
    )
    second = f.ReportingPeriodFactory(
        school_year=world.year,
        number=2,
        starts_on=start + datetime.timedelta(days=64),
        ends_on=start + datetime.timedelta(days=120),
        max_grade=9,
    )
    f.ReportingPeriodFactory(
        school_year=world.year, kind="year", number=1, starts_on=start, ends_on=world.year.ends_on, max_grade=9
    )
    return first, second


def finals_url(world) -> str:
    return reverse("gradebook:diary-finals", kwargs={"public_id": world.student.public_id})


def page(client, world) -> str:
    response = client.get(finals_url(world))
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, subject: str) -> list[str]:
    """The cells of the subject's row."""
    rows = [row for row in html.split("<tr>") if f'<th scope="row">{subject}</th>' in row]
    assert rows, subject
    return [cell.split("</td>")[0] for cell in rows[0].split("<td>")[1:]]


def record(world, maths, period, value="5", *, publish):
    return final_record(
        by=world.teacher.user,
        student=world.student,
        subject=maths,
        kind="period",
        value=value,
        period=period,
        publish=publish,
        class_unit=world.class_5a,
    )


def test_a_confirmed_final_is_shown_at_once(english, world, maths, quarters):
    record(world, maths, quarters[0], "4", publish=True)
    english.force_login(world.parent.user)
    cells = row_of(page(english, world), "Математика")
    assert '<span class="mark-chip mark-4">4</span>' in cells[0]
    assert "mark-chip" not in cells[1]


def test_an_unconfirmed_final_is_shown_24_hours_after_it_was_recorded_and_never_before(english, world, maths, quarters):
    recorded = timezone.now()
    with time_machine.travel(recorded, tick=False):
        record(world, maths, quarters[0], "3", publish=False)
        english.force_login(world.parent.user)
        assert "Математика" not in page(english, world)
    with time_machine.travel(recorded + datetime.timedelta(hours=23, minutes=59), tick=False):
        html = page(english, world)
        assert "Математика" not in html and "No finals yet this school year." in html
    with time_machine.travel(recorded + datetime.timedelta(hours=24), tick=False):
        # No sweep has run: the rule is applied when reading.
        assert '<span class="mark-chip mark-3">3</span>' in row_of(page(english, world), "Математика")[0]


def test_a_change_to_an_unpublished_final_stays_hidden_until_its_24_hours(english, world, maths, quarters):
    recorded = timezone.now()
    with time_machine.travel(recorded, tick=False):
        record(world, maths, quarters[0], "3", publish=False)
    with time_machine.travel(recorded + datetime.timedelta(hours=2), tick=False):
        record(world, maths, quarters[0], "4", publish=False)
        english.force_login(world.parent.user)
        assert "Математика" not in page(english, world)
    with time_machine.travel(recorded + datetime.timedelta(hours=24), tick=False):
        assert "mark-4" in row_of(page(english, world), "Математика")[0]


def test_year_exams_and_the_final_mark_on_their_scales(english, world, maths, quarters):
    now = timezone.now()
    common = {"student": world.student, "subject": maths, "period": None, "school_year": world.year,
              "recorded_at": now, "published_at": now}  # fmt: skip
    f.FinalMarkFactory(kind="year", value="4", **common)
    f.FinalMarkFactory(kind="exam", exam="oge", scale="points", value="", points=78, **common)
    f.FinalMarkFactory(kind="exam", exam="school", scale="pass_fail", value="зач", **common)
    f.FinalMarkFactory(kind="final", value="5", **common)
    english.force_login(world.parent.user)

    html = page(english, world)

    header = html.split("<thead>")[1].split("</thead>")[0]
    columns = [cell.split("</th>")[0] for cell in header.split('<th scope="col">')[1:]]
    assert columns == ["Subject", "1 quarter", "2 quarter", "Year", "school exam", "ОГЭ", "Final mark"]
    cells = row_of(html, "Математика")
    assert "mark-4" in cells[2]
    assert "зач" in cells[3]
    assert "78 points" in cells[4]
    assert "mark-5" in cells[5]


def test_an_open_deferral_shows_its_due_date_and_a_resolved_one_does_not(english, world, maths, quarters):
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    due_on = quarters[1].ends_on + datetime.timedelta(days=10)
    f.DeferralFactory(student=world.student, subject=russian, period=quarters[1], due_on=due_on)
    f.DeferralFactory(student=world.student, subject=maths, period=quarters[0], resolved_at=timezone.now())
    english.force_login(world.parent.user)

    html = page(english, world)

    cells = row_of(html, "Русский язык")
    assert f"deferred until {due_on:%d.%m.%Y}" in cells[1]
    assert "deferred" not in cells[0]
    assert "Математика" not in html, "a resolved deferral alone shows nothing"


def test_only_the_students_own_finals_of_the_current_year(english, world, maths, quarters):
    last_year = f.SchoolYearFactory(
        school=world.school,
        starts_on=world.year.starts_on.replace(year=world.year.starts_on.year - 1),
        ends_on=world.year.starts_on - datetime.timedelta(days=1),
    )
    now = timezone.now()
    f.FinalMarkFactory(
        student=world.student, subject=maths, kind="year", period=None, school_year=last_year, value="2",
        recorded_at=now, published_at=now,
    )  # fmt: skip
    f.FinalMarkFactory(
        student=world.other_student, subject=maths, period=quarters[0], value="2", recorded_at=now, published_at=now
    )
    english.force_login(world.parent.user)
    assert "mark-2" not in page(english, world)


def test_the_tab_and_the_consent_gate(english, world, maths, quarters):
    record(world, maths, quarters[0], "5", publish=True)
    english.force_login(world.parent.user)
    assert 'aria-current="page">Finals</a>' in page(english, world)
    world.student.guardianships.update(electronic_access=False)
    response = english.get(finals_url(world))
    assert response.status_code == 200
    assert "mark-5" not in response.content.decode()
    assert "gradebook/consent_required.html" in [template.name for template in response.templates]


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_the_finals_page_reads_in_a_constant_number_of_queries(
    client, world, maths, quarters, django_assert_max_num_queries
):
    record(world, maths, quarters[0], "5", publish=True)
    client.force_login(world.parent.user)
    few = _queries(client, finals_url(world))
    now = timezone.now()
    for n in range(10):
        subject = f.SubjectFactory(school=world.school, name=f"Предмет {n}")
        for period in quarters:
            f.FinalMarkFactory(
                student=world.student, subject=subject, period=period, value="4", recorded_at=now, published_at=now
            )
        f.FinalMarkFactory(
            student=world.student, subject=subject, kind="year", period=None, school_year=world.year, value="4",
            recorded_at=now, published_at=now,
        )  # fmt: skip
        f.DeferralFactory(student=world.student, subject=subject, period=quarters[1])
    with django_assert_max_num_queries(14):  # with the alerts badge of the navigation
        assert client.get(finals_url(world)).status_code == 200
    assert _queries(client, finals_url(world)) == few
