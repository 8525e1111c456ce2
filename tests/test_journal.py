"""The teacher's journal: the rules of marks, attendance, topics and homework (services), the grid and
its cells edited in place (views), the lesson panel, the list of journals, periods, query budgets."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from gradebook import signals
from gradebook.models import (
    Attendance,
    AttendanceCode,
    GradingSettings,
    Homework,
    HomeworkFile,
    JournalChange,
    Lesson,
    Mark,
)
from gradebook.services import attendance as attendance_services
from gradebook.services import homework as homework_services
from gradebook.services import journal as journal_services
from gradebook.services import marks as mark_services

from . import factories as f

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def maths(world):
    return world.teacher.assignments.get().subject


@pytest.fixture
def period(world, today):
    """The current quarter of every grade (it contains today)."""
    return f.ReportingPeriodFactory(
        school_year=world.year,
        starts_on=max(world.year.starts_on, today - datetime.timedelta(days=20)),
        ends_on=today + datetime.timedelta(days=20),
    )


@pytest.fixture
def answer(world):
    return f.WorkTypeFactory(school=world.school, name="Ответ на уроке")


@pytest.fixture
def test_work(world):
    return f.WorkTypeFactory(school=world.school, name="Контрольная работа", weight=Decimal("2"))


@pytest.fixture
def lesson(world, maths, period, answer, today):
    return f.LessonFactory(class_unit=world.class_5a, subject=maths, teacher=world.teacher, date=today, number=2)


def record(lesson, student, value, work_type, by, **extra):
    return mark_services.mark_record(lesson=lesson, student=student, value=value, work_type=work_type, by=by, **extra)


def cell_url(lesson, student):
    return reverse(
        "gradebook:journal-cell",
        kwargs={"lesson_public_id": lesson.public_id, "student_public_id": student.public_id},
    )


def journal_url(owner, subject, period=None):
    url = reverse(
        "gradebook:journal", kwargs={"owner_public_id": owner.public_id, "subject_public_id": subject.public_id}
    )
    return f"{url}?period={period.public_id}" if period else url


def nothing_written():
    return not Mark.objects.exists() and not Attendance.objects.exists() and not JournalChange.objects.exists()


# --- Marks: the rules -----------------------------------------------------------------------


def test_a_mark_takes_the_work_types_weight_and_the_lessons_subject_and_date(world, lesson, test_work):
    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    signals.mark_recorded.connect(receiver)
    try:
        mark = record(lesson, world.student, "5", test_work, world.teacher.user)
    finally:
        signals.mark_recorded.disconnect(receiver)
    assert (mark.value, mark.weight, mark.position) == (5, Decimal("2"), 1)
    assert (mark.school, mark.subject, mark.date) == (world.school, lesson.subject, lesson.date)
    assert mark.recorded_by == world.teacher.user
    assert sent == [{"signal": signals.mark_recorded, "mark": mark, "previous": "", "by": world.teacher.user}]


def test_a_weight_can_be_overridden(world, lesson, answer):
    assert record(lesson, world.student, 4, answer, world.teacher.user, weight="3").weight == Decimal("3")
    with pytest.raises(ValidationError):
        record(lesson, world.student, 4, answer, world.teacher.user, weight="0")


@pytest.mark.parametrize("value", [0, 6, "7", "5+", "", None, "пять", 55])
def test_only_the_scale_1_to_5(world, lesson, answer, value):
    with pytest.raises(ValidationError) as failure:
        record(lesson, world.student, value, answer, world.teacher.user)
    assert failure.value.code == "off_scale"
    assert nothing_written()


def test_the_message_is_translated(world, lesson, answer):
    with translation.override("en"), pytest.raises(ValidationError) as failure:
        record(lesson, world.student, 6, answer, world.teacher.user)
    assert failure.value.messages == ["6 is not a mark: a mark is 1, 2, 3, 4 or 5."]


def test_grade_1_records_no_marks_but_attendance(world, maths, period, answer, today):
    first = f.ClassUnitFactory(school_year=world.year, grade_level=1, letter="А")
    pupil = f.StudentFactory(school=world.school)
    f.ClassMembershipFactory(student=pupil, class_unit=first)
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=maths, class_unit=first)
    lesson = f.LessonFactory(class_unit=first, subject=maths, teacher=world.teacher, date=today)
    with pytest.raises(ValidationError) as failure:
        record(lesson, pupil, 5, answer, world.teacher.user)
    assert failure.value.code == "grade_1"
    assert nothing_written()
    attendance_services.attendance_set(lesson=lesson, student=pupil, code="н", by=world.teacher.user)
    assert Attendance.objects.get().code == "н"


def test_grade_1_subgroup_records_no_marks(world, maths, period, answer, today):
    first = f.ClassUnitFactory(school_year=world.year, grade_level=1, letter="Б")
    group = f.StudyGroupFactory(school_year=world.year, class_unit=first, kind="subgroup")
    pupil = f.StudentFactory(school=world.school)
    f.StudyGroupMembershipFactory(group=group, student=pupil)
    lesson = f.LessonFactory(class_unit=None, study_group=group, subject=maths, teacher=world.teacher, date=today)
    with pytest.raises(ValidationError):
        record(lesson, pupil, 5, answer, world.teacher.user)


def test_a_closed_period_is_locked(world, lesson, answer, period):
    journal_services.reporting_period_close(period=period, by=world.admin.user)
    with pytest.raises(PermissionDenied):
        record(lesson, world.student, 5, answer, world.teacher.user)
    with pytest.raises(PermissionDenied):
        attendance_services.attendance_set(lesson=lesson, student=world.student, code="н", by=world.teacher.user)
    with pytest.raises(PermissionDenied):
        homework_services.homework_set(lesson=lesson, text="№ 5", by=world.teacher.user)
    with pytest.raises(PermissionDenied):
        journal_services.lesson_topic_set(lesson=lesson, topic="Дроби", by=world.teacher.user)
    assert nothing_written()
    journal_services.reporting_period_reopen(period=period, by=world.admin.user)
    assert record(lesson, world.student, 5, answer, world.teacher.user).value == 5


@pytest.mark.parametrize("who", ["other_teacher", "class_teacher", "admin", "staff", "parent", "other_school_admin"])
def test_only_the_teacher_of_the_lesson_records(world, lesson, answer, who):
    with pytest.raises(PermissionDenied):
        record(lesson, world.student, 5, answer, getattr(world, who).user)
    assert nothing_written()


def test_the_substitute_records_and_the_replaced_teacher_does_not(world, lesson, answer):
    lesson.substitute = world.other_teacher
    lesson.save()
    assert record(lesson, world.student, 5, answer, world.other_teacher.user).recorded_by == world.other_teacher.user
    with pytest.raises(PermissionDenied):
        record(lesson, world.student, 4, answer, world.teacher.user)


def test_a_cancelled_lesson_records_nothing(world, lesson, answer):
    lesson.is_cancelled = True
    lesson.save()
    with pytest.raises(PermissionDenied):
        record(lesson, world.student, 5, answer, world.teacher.user)


def test_the_student_must_be_in_the_class_on_the_day(world, lesson, answer):
    with pytest.raises(ValidationError) as failure:
        record(lesson, world.other_student, 5, answer, world.teacher.user)
    assert failure.value.code == "not_member"
    membership = world.student.class_memberships.get()
    membership.ends_on = lesson.date - datetime.timedelta(days=1)
    membership.starts_on = min(membership.starts_on, membership.ends_on)
    membership.save()
    with pytest.raises(ValidationError):
        record(lesson, world.student, 5, answer, world.teacher.user)
    assert nothing_written()


def test_the_work_type_of_the_school(world, lesson):
    foreign = f.WorkTypeFactory(school=world.other_school, name="Ответ на уроке")
    with pytest.raises(ValidationError) as failure:
        record(lesson, world.student, 5, foreign, world.teacher.user)
    assert failure.value.code == "bad_work_type"


def test_two_marks_in_a_cell_and_no_third(world, lesson, answer, test_work):
    user = world.teacher.user
    with pytest.raises(ValidationError):
        record(lesson, world.student, 4, answer, user, position=2)  # the second after the first
    record(lesson, world.student, 5, answer, user)
    record(lesson, world.student, 4, test_work, user, position=2)
    with pytest.raises(ValidationError):
        record(lesson, world.student, 3, answer, user, position=3)
    assert list(Mark.objects.values_list("position", "value")) == [(1, 5), (2, 4)]
    mark_services.mark_remove(lesson=lesson, student=world.student, position=1, by=user)
    remaining = Mark.objects.get()
    assert (remaining.position, remaining.value, remaining.work_type) == (1, 4, test_work)


def test_changing_a_mark_writes_old_and_new_and_an_unchanged_one_writes_nothing(world, lesson, answer):
    user = world.teacher.user
    record(lesson, world.student, 4, answer, user)
    changed = record(lesson, world.student, 5, answer, user)
    assert Mark.objects.get() == changed
    record(lesson, world.student, 5, answer, user)
    rows = list(JournalChange.objects.order_by("pk").values_list("kind", "old_value", "new_value"))
    assert rows == [
        ("mark", "", "4 (Ответ на уроке)"),
        ("mark", "4 (Ответ на уроке)", "5 (Ответ на уроке)"),
    ]


def test_removing_a_mark_announces_it(world, lesson, answer):
    sent = []
    signals.mark_removed.connect(receiver := lambda sender, **kw: sent.append(kw["value"]))
    try:
        record(lesson, world.student, 3, answer, world.teacher.user)
        mark_services.mark_remove(lesson=lesson, student=world.student, by=world.teacher.user)
    finally:
        signals.mark_removed.disconnect(receiver)
    assert sent == ["3"]
    assert not Mark.objects.exists()
    with pytest.raises(ValidationError):
        mark_services.mark_remove(lesson=lesson, student=world.student, by=world.teacher.user)


def test_a_cell_is_saved_all_or_nothing(world, lesson, answer):
    with pytest.raises(ValidationError):
        journal_services.journal_cell_set(
            lesson=lesson, student=world.student, marks=[5, 9], code="н", work_type=None, by=world.teacher.user
        )
    assert nothing_written()


def test_a_cell_keeps_the_work_type_of_a_changed_mark(world, lesson, answer, test_work):
    user = world.teacher.user
    record(lesson, world.student, 3, test_work, user)
    journal_services.journal_cell_set(
        lesson=lesson, student=world.student, marks=[4, 5], code="", work_type=answer, by=user
    )
    assert list(Mark.objects.order_by("position").values_list("value", "work_type__name")) == [
        (4, "Контрольная работа"),
        (5, "Ответ на уроке"),
    ]


# --- Attendance, topic, homework ------------------------------------------------------------------


def test_attendance_set_change_and_clear(world, lesson):
    user = world.teacher.user
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="Н", by=user)
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="б", by=user)
    assert Attendance.objects.get().code == "б"
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="", by=user)
    assert not Attendance.objects.exists()
    assert list(JournalChange.objects.order_by("pk").values_list("old_value", "new_value")) == [
        ("", "н"),
        ("н", "б"),
        ("б", ""),
    ]
    with pytest.raises(ValidationError) as failure:
        attendance_services.attendance_set(lesson=lesson, student=world.student, code="x", by=user)
    assert failure.value.code == "bad_code"


def test_the_school_years_own_attendance_codes(world, lesson):
    grading = GradingSettings.objects.create(school_year=world.year)
    AttendanceCode.objects.create(grading=grading, code="ув", name="уважительная", is_excused=True)
    user = world.teacher.user
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="ув", by=user)
    with pytest.raises(ValidationError):
        attendance_services.attendance_set(lesson=lesson, student=world.student, code="н", by=user)


def test_the_topic_and_when_it_was_first_entered(world, lesson):
    user = world.teacher.user
    journal_services.lesson_topic_set(lesson=lesson, topic="Дроби", kind=Lesson.Kind.NEW_MATERIAL, by=user)
    lesson.refresh_from_db()
    first = lesson.topic_entered_at
    assert (lesson.topic, lesson.kind) == ("Дроби", "new") and first is not None
    journal_services.lesson_topic_set(lesson=lesson, topic="Дроби и доли", kind="new", by=user)
    lesson.refresh_from_db()
    assert lesson.topic_entered_at == first
    with pytest.raises(ValidationError):
        journal_services.lesson_topic_set(lesson=lesson, topic="x", kind="nonsense", by=user)
    assert JournalChange.objects.filter(kind="topic").count() == 2


def test_homework_with_files_and_a_file_removed(world, lesson):
    user = world.teacher.user
    homework = homework_services.homework_set(
        lesson=lesson, text="№ 12, 13", files=[SimpleUploadedFile("Задание.pdf", PDF)], by=user
    )
    stored = homework.files.get()
    assert (stored.name, stored.size) == ("Задание.pdf", len(PDF))
    assert stored.file.read() == PDF
    homework_services.homework_file_remove(file=stored, by=user)
    assert HomeworkFile.objects.get().removed_at is not None
    assert list(JournalChange.objects.order_by("pk").values_list("old_value", "new_value")) == [
        ("", "№ 12, 13 [Задание.pdf]"),
        ("№ 12, 13 [Задание.pdf]", "№ 12, 13"),
    ]


def test_a_huge_file_is_refused_and_nothing_is_written(world, lesson, settings):
    settings.JOURNAL_HOMEWORK_FILE_MAX_BYTES = 1024
    huge = SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)
    with translation.override("en"), pytest.raises(ValidationError) as failure:
        homework_services.homework_set(lesson=lesson, text="Читать", files=[huge], by=world.teacher.user)
    assert failure.value.code == "too_large"
    assert "big.pdf is too large: a file is at most 1.0\xa0KB." in failure.value.messages
    assert not Homework.objects.exists() and not JournalChange.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("virus.exe", b"MZ\x90\x00"), ("fake.pdf", b"MZ\x90\x00"), ("notes.txt", b"\x00\x01binary"), ("x.docx", PDF)],
)
def test_only_documents_and_pictures_whose_content_matches(world, lesson, name, content):
    with pytest.raises(ValidationError):
        homework_services.homework_set(
            lesson=lesson, text="x", files=[SimpleUploadedFile(name, content)], by=world.teacher.user
        )
    assert not Homework.objects.exists()


def test_text_docx_and_pictures_are_accepted(world, lesson):
    files = [
        SimpleUploadedFile("план.txt", "Прочитать параграф".encode()),
        SimpleUploadedFile("work.docx", b"PK\x03\x04rest"),
        SimpleUploadedFile("photo.JPG", b"\xff\xd8\xff\xe0rest"),
    ]
    homework = homework_services.homework_set(lesson=lesson, text="", files=files, by=world.teacher.user)
    assert homework.files.count() == 3


# --- Periods --------------------------------------------------------------------------------------


def test_only_an_administrator_of_the_school_closes_and_reopens(world, period):
    for who in ("teacher", "class_teacher", "staff", "other_school_admin"):
        with pytest.raises(PermissionDenied):
            journal_services.reporting_period_close(period=period, by=getattr(world, who).user)
    journal_services.reporting_period_close(period=period, by=world.admin.user)
    period.refresh_from_db()
    assert period.is_closed
    with pytest.raises(ValidationError):
        journal_services.reporting_period_close(period=period, by=world.admin.user)
    with pytest.raises(PermissionDenied):
        journal_services.reporting_period_reopen(period=period, by=world.teacher.user)
    journal_services.reporting_period_reopen(period=period, by=world.admin.user)
    period.refresh_from_db()
    assert not period.is_closed


def test_the_period_pages(client, world, period):
    client.force_login(world.admin.user)
    page = client.get(reverse("gradebook:period-list")).content.decode()
    assert str(period) in page
    toggle = reverse("gradebook:period-toggle", kwargs={"public_id": period.public_id})
    assert client.post(toggle, {"action": "close"}).status_code == 302
    period.refresh_from_db()
    assert period.is_closed
    client.post(toggle, {"action": "close"})  # a second click changes nothing
    period.refresh_from_db()
    assert period.is_closed
    client.post(toggle, {"action": "reopen"})
    period.refresh_from_db()
    assert not period.is_closed


# --- The grid -------------------------------------------------------------------------------------


def _cell_values(html: str) -> dict[str, str]:
    """aria-label of each cell input → its value."""
    values = {}
    for tag in re.findall(r"<input [^>]*aria-label=\"[^\"]+\"[^>]*>", html):
        label = re.search(r'aria-label="([^"]+)"', tag).group(1)
        value = re.search(r' value="([^"]*)"', tag)
        values[label] = value.group(1) if value else ""
    return values


def test_the_grid_shows_marks_attendance_and_the_weighted_average(client, world, lesson, maths, answer, test_work):
    user = world.teacher.user
    other_day = f.LessonFactory(
        class_unit=world.class_5a, subject=maths, teacher=world.teacher, date=lesson.date - datetime.timedelta(days=1)
    )
    cancelled = f.LessonFactory(
        class_unit=world.class_5a,
        subject=maths,
        teacher=world.teacher,
        date=lesson.date - datetime.timedelta(days=2),
        is_cancelled=True,
    )
    record(lesson, world.student, 5, answer, user)
    record(lesson, world.student, 4, answer, user, position=2)
    record(other_day, world.student, 3, test_work, user)
    attendance_services.attendance_set(lesson=other_day, student=world.student, code="о", by=user)
    client.force_login(user)
    response = client.get(journal_url(world.class_5a, maths))
    assert response.status_code == 200
    html = response.content.decode()
    name = world.student.short_name
    cells = _cell_values(html)
    assert cells[f"{name}, {lesson.date:%d.%m}"] == "5/4"
    assert cells[f"{name}, {other_day.date:%d.%m}"] == "3 о"
    assert cells[f"{name}, {cancelled.date:%d.%m}"] == ""
    # (5 + 4 + 3×2) / 4 = 3.75
    assert f'<span id="avg-{world.student.pk}">3,75</span>' in html
    assert f"<s>{cancelled.date:%d.%m}</s>" in html
    assert "5А · Математика" in html
    assert world.other_student.short_name not in html  # 6Б


def test_the_class_teacher_reads_the_grid_without_editing(client, world, lesson, maths):
    client.force_login(world.class_teacher.user)
    html = client.get(journal_url(world.class_5a, maths)).content.decode()
    body = html.split("<tbody>")[1]
    assert body.count("<input ") == body.count(" readonly") > 0
    assert 'class="work-type"' not in html


def test_a_journal_not_yours_is_404_and_closed_to_families(client, world, lesson, maths):
    url = journal_url(world.class_5a, maths)
    client.force_login(world.other_teacher.user)
    assert client.get(url).status_code == 404
    client.force_login(world.other_school_admin.user)
    assert client.get(url).status_code == 404
    client.force_login(world.parent.user)
    assert client.get(url).status_code == 403


def test_a_grade_1_grid_has_no_average_column(client, world, maths, period, today):
    first = f.ClassUnitFactory(school_year=world.year, grade_level=1, letter="В")
    f.ClassMembershipFactory(student=f.StudentFactory(school=world.school), class_unit=first)
    f.TeachingAssignmentFactory(teacher=world.teacher, subject=maths, class_unit=first)
    f.LessonFactory(class_unit=first, subject=maths, teacher=world.teacher, date=today)
    client.force_login(world.teacher.user)
    html = client.get(journal_url(first, maths)).content.decode()
    assert 'class="journal-average"' not in html
    assert 'name="work_type"' not in html


def test_the_period_chooses_the_lessons(client, world, lesson, maths, period):
    earlier = f.ReportingPeriodFactory(
        school_year=world.year,
        number=2,
        starts_on=period.starts_on - datetime.timedelta(days=60),
        ends_on=period.starts_on - datetime.timedelta(days=1),
    )
    old = f.LessonFactory(class_unit=world.class_5a, subject=maths, teacher=world.teacher, date=earlier.ends_on)
    client.force_login(world.teacher.user)
    default = client.get(journal_url(world.class_5a, maths)).content.decode()
    assert f"{lesson.date:%d.%m}" in default and str(old.public_id) not in default
    chosen = client.get(journal_url(world.class_5a, maths, earlier)).content.decode()
    assert str(old.public_id) in chosen and str(lesson.public_id) not in chosen


def test_a_study_groups_journal(client, world, maths, period, answer, today):
    """A subgroup of 5А: its members only, its own teacher records; the class's own maths teacher does not."""
    english = f.SubjectFactory(school=world.school, name="Английский язык")
    group = f.StudyGroupFactory(school_year=world.year, class_unit=world.class_5a, kind="subgroup", name="Англ. 1")
    f.StudyGroupMembershipFactory(group=group, student=world.student)
    f.TeachingAssignmentFactory(teacher=world.other_teacher, subject=english, class_unit=None, study_group=group)
    lesson = f.LessonFactory(
        class_unit=None, study_group=group, subject=english, teacher=world.other_teacher, date=today
    )
    url = journal_url(group, english)
    client.force_login(world.other_teacher.user)
    html = client.get(url).content.decode()
    assert _cell_values(html) == {f"{world.student.short_name}, {today:%d.%m}": ""}
    response = client.post(cell_url(lesson, world.student), {"value": "4"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and Mark.objects.get().value == 4
    assert f"{journal_url(group, english)}" in client.get(reverse("gradebook:journal-list")).content.decode()
    client.force_login(world.teacher.user)
    assert client.get(url).status_code == 404
    client.force_login(world.class_teacher.user)  # reads every subject of the class, its groups' too
    assert client.get(url).status_code == 200
    assert client.post(cell_url(lesson, world.student), {"value": "5"}).status_code == 403


# --- The cell endpoint ------------------------------------------------------------------------------


def test_typing_a_mark_saves_it_and_answers_with_the_cell_and_the_average(client, world, lesson, test_work):
    client.force_login(world.teacher.user)
    response = client.post(
        cell_url(lesson, world.student), {"value": " 5 ", "work_type": str(test_work.public_id)}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="5"' in html
    assert f'<span id="avg-{world.student.pk}" hx-swap-oob="true">5,00</span>' in html
    mark = Mark.objects.get()
    assert (mark.value, mark.work_type, mark.weight) == (5, test_work, Decimal("2"))


def test_two_marks_and_a_code_in_one_cell_then_cleared(client, world, lesson):
    client.force_login(world.teacher.user)
    url = cell_url(lesson, world.student)
    assert client.post(url, {"value": "5/4 о"}, HTTP_HX_REQUEST="true").status_code == 200
    assert list(Mark.objects.order_by("position").values_list("value", flat=True)) == [5, 4]
    assert Attendance.objects.get().code == "о"
    response = client.post(url, {"value": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'value=""' in response.content.decode()
    assert not Mark.objects.exists() and not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("7", "7 is not a mark: a mark is 1, 2, 3, 4 or 5."),
        ("5/4/3", "A cell holds at most two marks."),
        ("x", "x is neither a mark (1–5) nor an attendance code (н, б, у, п, о)."),
        ("н б", "One attendance code per cell."),
    ],
)
def test_a_value_off_the_scale_gets_422_with_its_message_and_changes_nothing(
    client, world, lesson, answer, typed, message
):
    record(lesson, world.student, 4, answer, world.teacher.user)
    before = JournalChange.objects.count()
    client.force_login(world.teacher.user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(cell_url(lesson, world.student), {"value": typed}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    assert f'value="{typed}" data-saved="4"' in html  # what was typed stays, to be corrected
    assert list(Mark.objects.values_list("value", flat=True)) == [4]
    assert JournalChange.objects.count() == before


def test_the_cell_endpoint_refuses_those_who_do_not_record(client, world, lesson):
    url = cell_url(lesson, world.student)
    for who, status in (("class_teacher", 403), ("admin", 403), ("other_teacher", 404), ("parent", 403)):
        client.force_login(getattr(world, who).user)
        assert client.post(url, {"value": "5"}).status_code == status, who
    assert nothing_written()


def test_a_student_of_another_class_is_404(client, world, lesson):
    client.force_login(world.teacher.user)
    assert client.post(cell_url(lesson, world.other_student), {"value": "5"}).status_code == 404


def test_without_htmx_the_cell_redirects_to_the_journal(client, world, lesson):
    client.force_login(world.teacher.user)
    response = client.post(cell_url(lesson, world.student), {"value": "5"})
    assert response.status_code == 302
    assert response["Location"].startswith(journal_url(world.class_5a, lesson.subject))


# --- The lesson panel -------------------------------------------------------------------------------


def test_the_panel_saves_topic_and_homework_with_a_file(client, world, lesson):
    client.force_login(world.teacher.user)
    url = reverse("gradebook:journal-lesson", kwargs={"public_id": lesson.public_id})
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    response = client.post(
        url,
        {"topic": "Дроби", "kind": "new", "homework": "№ 1–3", "files": [SimpleUploadedFile("a.pdf", PDF)]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="status"' in html and "a.pdf" in html
    lesson.refresh_from_db()
    assert lesson.topic == "Дроби" and lesson.homework.text == "№ 1–3"
    file = lesson.homework.files.get()
    download = client.get(reverse("gradebook:journal-homework-file", kwargs={"public_id": file.public_id}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "no-store" in download["Cache-Control"]


def test_the_panel_refuses_a_huge_file_with_422_and_saves_nothing(client, world, lesson, settings):
    settings.JOURNAL_HOMEWORK_FILE_MAX_BYTES = 100
    client.force_login(world.teacher.user)
    url = reverse("gradebook:journal-lesson", kwargs={"public_id": lesson.public_id})
    response = client.post(
        url,
        {"topic": "Дроби", "homework": "x", "files": [SimpleUploadedFile("big.pdf", PDF + b"0" * 500)]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "big.pdf" in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.topic == "" and not Homework.objects.exists() and not JournalChange.objects.exists()


def test_the_class_teacher_reads_the_panel_but_cannot_post(client, world, lesson):
    homework_services.homework_set(lesson=lesson, text="Читать § 4", by=world.teacher.user)
    client.force_login(world.class_teacher.user)
    url = reverse("gradebook:journal-lesson", kwargs={"public_id": lesson.public_id})
    html = client.get(url).content.decode()
    assert "Читать § 4" in html and 'name="homework"' not in html
    assert client.post(url, {"homework": "x"}).status_code == 403


def test_attendance_taken_by_the_first_entry_or_by_the_teacher_saying_all_were_present(client, world, lesson):
    other = f.LessonFactory(class_unit=world.class_5a, subject=lesson.subject, teacher=world.teacher, date=lesson.date)
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="н", by=world.teacher.user)
    lesson.refresh_from_db()
    first = lesson.attendance_taken_at
    assert first is not None
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="", by=world.teacher.user)
    lesson.refresh_from_db()
    assert lesson.attendance_taken_at == first  # the first time stays; clearing an absence does not untake
    client.force_login(world.teacher.user)
    url = reverse("gradebook:journal-lesson", kwargs={"public_id": other.public_id})
    assert 'name="attendance_taken"' in client.get(url).content.decode()
    response = client.post(url, {"topic": "", "attendance_taken": "on"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.attendance_taken_at is not None
    assert 'name="attendance_taken" checked' in response.content.decode()
    client.post(url, {"topic": ""}, HTTP_HX_REQUEST="true")  # unticked, and no entries: a mistake undone
    other.refresh_from_db()
    assert other.attendance_taken_at is None
    attendance_services.attendance_set(lesson=lesson, student=world.student, code="б", by=world.teacher.user)
    client.post(reverse("gradebook:journal-lesson", kwargs={"public_id": lesson.public_id}), {"topic": ""})
    lesson.refresh_from_db()
    assert lesson.attendance_taken_at == first  # it has an entry: it stays taken


# --- The list of journals ----------------------------------------------------------------------------


def test_the_list_of_journals(client, world, lesson, maths):
    russian = f.SubjectFactory(school=world.school, name="Русский язык")
    f.LessonFactory(class_unit=world.class_5a, subject=russian, teacher=world.class_teacher, date=lesson.date)
    client.force_login(world.teacher.user)
    html = client.get(reverse("gradebook:journal-list")).content.decode()
    assert journal_url(world.class_5a, maths) in html and "Русский язык" not in html

    client.force_login(world.class_teacher.user)  # their class is picked: every subject, maths read-only
    html = client.get(reverse("gradebook:journal-list")).content.decode()
    assert journal_url(world.class_5a, maths) in html and journal_url(world.class_5a, russian) in html

    client.force_login(world.admin.user)
    url = reverse("gradebook:journal-list")
    assert journal_url(world.class_5a, maths) not in client.get(url).content.decode()
    html = client.get(url, {"class": str(world.class_5a.public_id)}).content.decode()
    assert journal_url(world.class_5a, maths) in html


# --- Query budgets ----------------------------------------------------------------------------------


def _big_journal(world, maths, period, answer):
    """30 students × 50 lessons in 5А, each student with one mark and one absence."""
    students = [f.StudentFactory(school=world.school) for _ in range(29)]
    for student in students:
        f.ClassMembershipFactory(student=student, class_unit=world.class_5a)
    students.append(world.student)
    lessons = Lesson.objects.bulk_create(
        Lesson(
            school=world.school,
            class_unit=world.class_5a,
            subject=maths,
            teacher=world.teacher,
            date=period.starts_on + datetime.timedelta(days=i % 20),
            number=i // 20 + 1,
        )
        for i in range(50)
    )
    _add_marks(world, students, lessons[:1], answer)
    Attendance.objects.bulk_create(
        Attendance(school=world.school, lesson=lessons[-1], student=student, date=lessons[-1].date, code="н",
                   recorded_by=world.teacher.user)
        for student in students
    )  # fmt: skip
    return students, lessons


def _add_marks(world, students, lessons, work_type, position=1):
    Mark.objects.bulk_create(
        Mark(
            school=world.school,
            lesson=lesson,
            student=student,
            subject=lesson.subject,
            date=lesson.date,
            position=position,
            value=5 - (i % 4),
            work_type=work_type,
            weight=work_type.weight,
            recorded_by=world.teacher.user,
        )
        for student in students
        for i, lesson in enumerate(lessons)
    )


def test_the_grid_of_30_students_and_50_lessons_in_a_constant_number_of_queries(
    client, world, maths, period, answer, test_work, django_assert_max_num_queries
):
    """The same number of queries with 30 marks and with 2,400: none per student, lesson or mark."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    students, lessons = _big_journal(world, maths, period, answer)
    client.force_login(world.teacher.user)
    url = journal_url(world.class_5a, maths, period)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _add_marks(world, students, lessons[1:41], test_work)
    _add_marks(world, students, lessons[:40], answer, position=2)
    assert Mark.objects.count() == 30 * 81
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    html = response.content.decode()
    assert html.count("data-saved=") == 30 * 50
    assert html.count(" readonly") == 0
    # 16 for the grid, and 2 for the rows' forecast (the grading rules and the period's marks).
    assert len(few.captured_queries) <= 18, [q["sql"][:120] for q in few.captured_queries]
