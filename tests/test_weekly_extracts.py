"""Weekly paper extracts (issue 7, points 2–4): the weekly job with time travel, the register, the compliance
view, downloads on demand and who may have them, bad weeks, and the pages' query budgets."""

import datetime
import hashlib
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from printouts.documents.extract import Rendered
from printouts.models import ExtractRecord, PrintoutSettings, WeeklyBatch
from printouts.services import batches
from printouts.services.batches import monday_of, paper_students_of, weekly_batch_generate
from printouts.services.register import extract_hand_over, extract_mark_printed, extract_not_delivered
from printouts.tasks import generate_weekly_extracts

from . import factories as f

MSK = datetime.timezone(datetime.timedelta(hours=3))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _english(english):
    """The tests read the English source texts."""


@pytest.fixture
def paper(world):
    """Paper families: in 5А a child whose parent refused electronic delivery and a child with no guardian
    at all; in 6Б a child whose parent declared they cannot use it. The world's own families have consent
    (electronic, not on paper)."""
    refused = f.StudentFactory(school=world.school, surname="Бумагина", name="Вера", patronymic="")
    alone = f.StudentFactory(school=world.school, surname="Одинцов", name="Глеб", patronymic="")
    unable = f.StudentFactory(school=world.school, surname="Письменный", name="Лев", patronymic="")
    f.ClassMembershipFactory(student=refused, class_unit=world.class_5a)
    f.ClassMembershipFactory(student=alone, class_unit=world.class_5a)
    f.ClassMembershipFactory(student=unable, class_unit=world.class_6b)
    mother = f.GuardianFactory(school=world.school, surname="Бумагина", name="Ольга")
    f.GuardianshipFactory(guardian=mother, student=refused)
    f.record_decision(mother, refused, decision="refusal")
    father = f.GuardianFactory(school=world.school, surname="Письменный", name="Иван")
    f.GuardianshipFactory(guardian=father, student=unable)
    f.record_decision(father, unable, decision="unable")
    return {"refused": refused, "alone": alone, "unable": unable}


def week_of_year(world, n: int = 2) -> datetime.date:
    """The Monday of the school year's n-th full week."""
    return monday_of(world.year.starts_on) + datetime.timedelta(weeks=n)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=MSK)


def fake_render(calls=None):
    """A quick stand-in for WeasyPrint (two pages a student) for the tests about pages and budgets."""

    def render(*, students, week_start):
        if calls is not None:
            calls.append([s.pk for s in students])
        pages = {s.pk: (1 + 2 * i, 2) for i, s in enumerate(students)}
        return Rendered(pdf=f"%PDF-fake {week_start} {sorted(pages)}".encode(), pages=pages)

    return render


# --- Who is on paper ---------------------------------------------------------------------------------


def test_paper_students_are_the_refusing_and_the_guardianless(world, paper):
    week = week_of_year(world)
    assert paper_students_of(world.class_5a, week) == [paper["refused"], paper["alone"]]
    assert paper_students_of(world.class_6b, week) == [paper["unable"]]


def test_a_class_without_paper_families_gets_no_batch(world, paper):
    class_5b = f.ClassUnitFactory(school_year=world.year, grade_level=5, letter="Б")
    child = f.StudentFactory(school=world.school)
    f.ClassMembershipFactory(student=child, class_unit=class_5b)
    mother = f.GuardianFactory(school=world.school, user=f.UserFactory())
    f.GuardianshipFactory(guardian=mother, student=child)
    f.record_decision(mother, child)  # consent: the cabinet, not paper
    assert weekly_batch_generate(class_unit=class_5b, week_start=week_of_year(world)) is None
    assert not WeeklyBatch.objects.filter(class_unit=class_5b).exists()


# --- The weekly job, with time travel --------------------------------------------------------------------


def test_the_weekly_job_generates_once_per_week_and_class_at_the_school_time(world, paper):
    week = week_of_year(world)
    friday = week + datetime.timedelta(days=4)
    with time_machine.travel(at(friday - datetime.timedelta(days=1), 15), tick=False):
        assert generate_weekly_extracts() == 0
    with time_machine.travel(at(friday, 11, 59), tick=False):
        assert generate_weekly_extracts() == 0
    assert not WeeklyBatch.objects.exists()

    with time_machine.travel(at(friday, 12, 0), tick=False):
        assert generate_weekly_extracts() == 3  # 5А, 6Б and the other school's class (a child with no guardian)
    batch_5a = WeeklyBatch.objects.get(class_unit=world.class_5a, week_start=week)
    batch_6b = WeeklyBatch.objects.get(class_unit=world.class_6b, week_start=week)
    assert batch_5a.generated_by is None

    # The stored file: its checksum and page count; one student per page start, as the register says.
    content = batch_5a.file.read()
    batch_5a.file.close()
    assert hashlib.sha256(content).hexdigest() == batch_5a.checksum
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == batch_5a.pages
    records = list(ExtractRecord.objects.filter(batch=batch_5a).order_by("first_page"))
    assert [r.student for r in records] == [paper["refused"], paper["alone"]]
    assert records[0].first_page == 1
    assert records[1].first_page == records[0].first_page + records[0].page_count
    assert records[1].first_page + records[1].page_count - 1 == batch_5a.pages
    for record in records:
        text = reader.pages[record.first_page - 1].extract_text()
        assert record.student.surname in text
        assert record.status == ExtractRecord.Status.GENERATED and record.week_start == week
    assert ExtractRecord.objects.get(batch=batch_6b).student == paper["unable"]
    assert not ExtractRecord.objects.filter(student=world.student).exists()

    # Later runs of the week change nothing.
    state = list(WeeklyBatch.objects.values_list("pk", "checksum", "file", "pages"))
    with time_machine.travel(at(friday + datetime.timedelta(days=1), 9), tick=False):
        assert generate_weekly_extracts() == 0
        assert weekly_batch_generate(class_unit=world.class_5a, week_start=week) == batch_5a
    assert list(WeeklyBatch.objects.values_list("pk", "checksum", "file", "pages")) == state
    assert ExtractRecord.objects.filter(school=world.school).count() == 3

    # The next week gets its own batches.
    with time_machine.travel(at(friday + datetime.timedelta(weeks=1), 13), tick=False):
        assert generate_weekly_extracts() == 3
    assert WeeklyBatch.objects.filter(week_start=week + datetime.timedelta(weeks=1)).count() == 3


def test_the_school_chooses_the_day_and_hour(world, paper, monkeypatch):
    monkeypatch.setattr(batches, "_render", fake_render())
    PrintoutSettings.objects.create(school=world.school, weekday=1, at=datetime.time(8, 0))
    week = week_of_year(world, 3)
    with time_machine.travel(at(week, 7, 59), tick=False):
        assert generate_weekly_extracts() == 0
    with time_machine.travel(at(week, 8, 0), tick=False):
        assert generate_weekly_extracts() == 2  # 5А and 6Б (the other school keeps Friday)


def test_a_rerun_in_the_summer_queues_nothing(world, paper, monkeypatch):
    monkeypatch.setattr(batches, "_render", fake_render())
    after_year = world.year.ends_on + datetime.timedelta(days=10)
    friday = monday_of(after_year) + datetime.timedelta(days=4)
    with time_machine.travel(at(friday, 13), tick=False):
        assert generate_weekly_extracts() == 0


def test_a_student_already_registered_that_week_is_not_printed_twice(world, paper, monkeypatch):
    calls = []
    monkeypatch.setattr(batches, "_render", fake_render(calls))
    week = week_of_year(world)
    weekly_batch_generate(class_unit=world.class_6b, week_start=week)
    # Moved to 5А during the week: the 6Б batch has them already.
    paper["unable"].class_memberships.update(ends_on=week + datetime.timedelta(days=1))
    f.ClassMembershipFactory(
        student=paper["unable"], class_unit=world.class_5a, starts_on=week + datetime.timedelta(days=2)
    )
    batch = weekly_batch_generate(class_unit=world.class_5a, week_start=week)
    assert calls[-1] == [paper["refused"].pk, paper["alone"].pk]
    assert batch.records.count() == 2


# --- The register ------------------------------------------------------------------------------------


@pytest.fixture
def batch_5a(world, paper, monkeypatch):
    monkeypatch.setattr(batches, "_render", fake_render())
    week = monday_of(f.timezone.localdate())
    return weekly_batch_generate(class_unit=world.class_5a, week_start=week, by=world.class_teacher.user)


def test_register_services_validate_and_change_nothing_on_bad_input(world, batch_5a):
    record = batch_5a.records.order_by("first_page").first()
    user = world.class_teacher.user
    today = f.timezone.localdate()
    cases = [
        ({"on": batch_5a.week_start - datetime.timedelta(days=1), "to": "мама"}, "before its week"),
        ({"on": today + datetime.timedelta(days=1), "to": "мама"}, "future"),
        ({"on": None, "to": "мама"}, "when"),
        ({"on": today, "to": "   "}, "to whom"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError) as error:
            extract_hand_over(record=record, by=user, **kwargs)
        assert message in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        extract_not_delivered(record=record, reason=" ", by=user)
    record.refresh_from_db()
    assert record.status == ExtractRecord.Status.GENERATED and record.recorded_by is None

    record = extract_mark_printed(record=record, by=user)
    assert record.status == "printed" and record.printed_at is not None
    record = extract_hand_over(record=record, on=today, to=" Бумагина О. (мама) ", by=user)
    record.refresh_from_db()
    assert (record.status, record.handed_over_on, record.handed_to, record.recorded_by) == (
        "handed_over",
        today,
        "Бумагина О. (мама)",
        user,
    )
    with pytest.raises(ValidationError):
        extract_not_delivered(record=record, reason="не пришли", by=user)


def test_compliance_before_and_after_handing_over(client, world, paper, batch_5a):
    url = reverse("printouts:compliance")
    client.force_login(world.admin.user)
    listed = client.get(url).context["rows"]
    assert {row.student for row in listed} == {paper["refused"], paper["alone"], paper["unable"]}  # 6Б not yet
    client.force_login(world.class_teacher.user)
    assert [row.student for row in client.get(url).context["rows"]] == [paper["refused"], paper["alone"]]

    today = f.timezone.localdate().isoformat()
    first, second = batch_5a.records.order_by("first_page")
    page = reverse("printouts:batch-detail", kwargs={"pk": batch_5a.pk})
    update = reverse("printouts:record-update", kwargs={"pk": first.pk})
    # Bad input: the page again with the message, nothing changed.
    response = client.post(update, {"action": "handed_over", "on": today, "to": ""})
    assert response.status_code == 400 and "to whom" in response.content.decode()
    response = client.post(update, {"action": "not_delivered", "reason": ""})
    assert response.status_code == 400
    first.refresh_from_db()
    assert first.status == "generated"

    assert client.post(update, {"action": "printed"})["Location"] == page
    assert client.post(update, {"action": "handed_over", "on": today, "to": "Бумагина О."})["Location"] == page
    update_2 = reverse("printouts:record-update", kwargs={"pk": second.pk})
    client.post(update_2, {"action": "not_delivered", "reason": "Не пришли за выпиской"})
    rows = client.get(url).context["rows"]
    assert [(row.student, row.record.status) for row in rows] == [(paper["alone"], "not_delivered")]
    client.post(update_2, {"action": "handed_over", "on": today, "to": "бабушка"})
    response = client.get(url)
    assert response.context["rows"] == []
    assert "compliance-empty" in response.content.decode()

    history = client.get(reverse("printouts:student-history", kwargs={"public_id": paper["alone"].public_id}))
    assert [r.handed_to for r in history.context["records"]] == ["бабушка"]


# --- Access and bad input ----------------------------------------------------------------------------------


def extract_url(student, week):
    return reverse("printouts:student-extract", kwargs={"public_id": student.public_id}) + f"?week={week}"


def test_a_parent_downloads_only_their_own_childrens_extracts(client, world, monkeypatch):
    monkeypatch.setattr(batches, "_render", fake_render())
    week = week_of_year(world)
    client.force_login(world.parent.user)
    response = client.get(extract_url(world.student, week + datetime.timedelta(days=2)))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert client.get(extract_url(world.other_student, week)).status_code == 404
    assert client.get(extract_url(world.other_school_student, week)).status_code == 404


def test_a_teacher_only_their_classes(client, world, paper, batch_5a, monkeypatch):
    week = week_of_year(world)
    batch_6b = weekly_batch_generate(class_unit=world.class_6b, week_start=batch_5a.week_start)
    client.force_login(world.class_teacher.user)
    assert client.get(extract_url(paper["refused"], week)).status_code == 200
    assert client.get(extract_url(paper["unable"], week)).status_code == 404
    pdf = client.get(reverse("printouts:batch-pdf", kwargs={"pk": batch_5a.pk}))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content) == batch_5a.file.open("rb").read()
    batch_5a.file.close()
    assert client.get(reverse("printouts:batch-pdf", kwargs={"pk": batch_6b.pk})).status_code == 404
    assert client.get(reverse("printouts:batch-detail", kwargs={"pk": batch_6b.pk})).status_code == 404
    record_6b = batch_6b.records.get()
    update = reverse("printouts:record-update", kwargs={"pk": record_6b.pk})
    assert client.post(update, {"action": "printed"}).status_code == 404
    # A subject teacher of 5А keeps no register; another school's administrator sees none of it.
    client.force_login(world.teacher.user)
    assert client.get(extract_url(paper["refused"], week)).status_code == 403
    assert client.get(reverse("printouts:batch-pdf", kwargs={"pk": batch_5a.pk})).status_code == 403
    client.force_login(world.other_school_admin.user)
    assert client.get(reverse("printouts:batch-pdf", kwargs={"pk": batch_5a.pk})).status_code == 404
    assert client.get(extract_url(paper["refused"], week)).status_code == 404


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("outside", "outside the school year"),
        ("future", "has not begun"),
        ("2026-13-45", "YYYY-MM-DD"),
        ("", "Choose a week"),
    ],
)
def test_a_bad_week_gets_a_clear_message(client, world, monkeypatch, week, message):
    monkeypatch.setattr(batches, "_render", fake_render())
    if week == "outside":
        week = (world.year.starts_on - datetime.timedelta(days=30)).isoformat()
    elif week == "future":
        week = (f.timezone.localdate() + datetime.timedelta(weeks=2)).isoformat()
    client.force_login(world.parent.user)
    response = client.get(extract_url(world.student, week))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_generate_now_for_this_week(client, world, paper, monkeypatch):
    monkeypatch.setattr(batches, "_render", fake_render())
    client.force_login(world.class_teacher.user)
    url = reverse("printouts:batch-generate", kwargs={"public_id": world.class_5a.public_id})
    response = client.post(url)
    batch = WeeklyBatch.objects.get(class_unit=world.class_5a)
    assert response["Location"] == reverse("printouts:batch-detail", kwargs={"pk": batch.pk})
    assert batch.generated_by == world.class_teacher.user and batch.week_start == monday_of(f.timezone.localdate())
    client.post(url)
    assert WeeklyBatch.objects.count() == 1
    other = reverse("printouts:batch-generate", kwargs={"public_id": world.class_6b.public_id})
    assert client.post(other).status_code == 404


def test_generate_now_is_a_workers_job_and_the_page_shows_it_is_under_way(client, world, paper, monkeypatch, settings):
    """With a real broker the click only queues the task: the list says the batch is being generated and
    refreshes itself; once the worker is done it offers the batch."""
    from printouts import tasks, views

    settings.LANGUAGE_CODE = "en"
    queued = []
    monkeypatch.setattr(views.generate_class_batch, "delay", lambda *args: queued.append(args))
    client.force_login(world.class_teacher.user)
    url = reverse("printouts:batch-generate", kwargs={"public_id": world.class_5a.public_id})
    assert client.post(url)["Location"] == reverse("printouts:batch-list")
    assert queued == [(world.class_5a.pk, monday_of(f.timezone.localdate()).isoformat(), world.class_teacher.user.pk)]
    assert not WeeklyBatch.objects.exists()
    page = client.get(reverse("printouts:batch-list")).content.decode()
    assert "being generated" in page and 'http-equiv="refresh"' in page
    monkeypatch.setattr(batches, "_render", fake_render())
    tasks.generate_class_batch(*queued[0])  # the worker
    page = client.get(reverse("printouts:batch-list")).content.decode()
    assert "being generated" not in page and 'http-equiv="refresh"' not in page
    assert WeeklyBatch.objects.get().generated_by == world.class_teacher.user


def test_generate_now_with_the_broker_down_says_so(client, world, paper, monkeypatch, settings):
    from kombu.exceptions import OperationalError

    from printouts import views

    settings.LANGUAGE_CODE = "en"

    def down(*args):
        raise OperationalError("Redis is down")

    monkeypatch.setattr(views.generate_class_batch, "delay", down)
    client.force_login(world.class_teacher.user)
    url = reverse("printouts:batch-generate", kwargs={"public_id": world.class_5a.public_id})
    response = client.post(url, follow=True)
    assert "cannot be generated right now" in response.content.decode()
    assert "being generated" not in response.content.decode()


# --- Query budgets -------------------------------------------------------------------------------------


@pytest.fixture
def big_paper_class(world, paper, monkeypatch):
    """Twenty more paper families in 5А (parents who refused), and a batch of this week."""
    for i in range(20):
        child = f.StudentFactory(school=world.school, surname=f"Ученик{i:02d}")
        f.ClassMembershipFactory(student=child, class_unit=world.class_5a)
        mother = f.GuardianFactory(school=world.school)
        f.GuardianshipFactory(guardian=mother, student=child)
        f.record_decision(mother, child, decision="refusal")
    monkeypatch.setattr(batches, "_render", fake_render())
    week = monday_of(f.timezone.localdate())
    weekly_batch_generate(class_unit=world.class_6b, week_start=week)
    return weekly_batch_generate(class_unit=world.class_5a, week_start=week)


@pytest.mark.parametrize("role", ["class_teacher", "admin"])
def test_query_budgets(client, world, big_paper_class, django_assert_max_num_queries, role):
    client.force_login(getattr(world, role).user)
    assert big_paper_class.records.count() == 22
    first = big_paper_class.records.order_by("first_page").first()
    first.status = "handed_over"
    first.handed_over_on = big_paper_class.week_start
    first.handed_to = "мама"
    first.save()
    pages = [
        reverse("printouts:batch-list"),
        reverse("printouts:batch-detail", kwargs={"pk": big_paper_class.pk}),
        reverse("printouts:compliance"),
        reverse("printouts:student-history", kwargs={"public_id": first.student.public_id}),
    ]
    for url in pages:
        with django_assert_max_num_queries(20):
            response = client.get(url)
        assert response.status_code == 200, url
    assert len(client.get(reverse("printouts:compliance")).context["rows"]) == (21 if role == "class_teacher" else 22)
