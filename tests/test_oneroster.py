"""OneRoster 1.2 CSV export and import (issue 8, point 4) and the simple import (point 5)."""

import csv
import io
import zipfile

import pytest
from django.db import connection

from exchange.oneroster import oneroster_export, oneroster_import
from gradebook import models

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)


def _roster(school) -> dict:
    """The school's roster by public id: what an import must reproduce."""
    years = models.SchoolYear.objects.filter(school=school)
    return {
        "years": set(years.values_list("public_id", "title", "starts_on", "ends_on")),
        "periods": set(
            models.ReportingPeriod.objects.filter(school_year__school=school).values_list(
                "public_id",
                "school_year__public_id",
                "kind",
                "number",
                "starts_on",
                "ends_on",
                "min_grade",
                "max_grade",
            )
        ),
        "subjects": set(models.Subject.objects.filter(school=school).values_list("public_id", "name")),
        "classes": set(
            models.ClassUnit.objects.filter(school_year__school=school).values_list(
                "public_id", "school_year__public_id", "grade_level", "letter", "class_teacher__public_id"
            )
        ),
        "groups": set(
            models.StudyGroup.objects.filter(school_year__school=school).values_list(
                "public_id", "name", "kind", "class_unit__public_id"
            )
        ),
        "students": set(
            models.Student.objects.filter(school=school).values_list(
                "public_id", "surname", "name", "patronymic", "birth_date"
            )
        ),
        "guardians": set(
            models.Guardian.objects.filter(school=school).values_list("public_id", "surname", "name", "patronymic")
        ),
        "employees": set(
            models.Employee.objects.filter(school=school).values_list(
                "public_id", "surname", "name", "is_teacher", "is_administrator", "is_staff_member", "is_active"
            )
        ),
        "memberships": set(
            models.ClassMembership.objects.filter(student__school=school).values_list(
                "student__public_id", "class_unit__public_id", "starts_on", "ends_on"
            )
        ),
        "group_memberships": set(
            models.StudyGroupMembership.objects.filter(student__school=school).values_list(
                "student__public_id", "group__public_id", "starts_on", "ends_on"
            )
        ),
        "guardianships": set(
            models.Guardianship.objects.filter(student__school=school).values_list(
                "guardian__public_id", "student__public_id"
            )
        ),
    }


@pytest.fixture
def school(db):
    """A small school with everything a roster holds, and a few marks."""
    school = f.SchoolFactory()
    year = f.SchoolYearFactory(school=school)
    f.ReportingPeriodFactory(school_year=year)
    math = f.SubjectFactory(school=school, name="Математика")
    teacher = f.EmployeeFactory(school=school)
    f.EmployeeFactory(school=school, is_teacher=False, is_administrator=True, is_staff_member=True)
    class_5a = f.ClassUnitFactory(school_year=year, grade_level=5, letter="А", class_teacher=teacher)
    class_6b = f.ClassUnitFactory(school_year=year, grade_level=6, letter="Б")
    group = f.StudyGroupFactory(school_year=year, class_unit=class_5a, name="5А английский 1")
    work_type = f.WorkTypeFactory(school=school)
    for index, unit in enumerate((class_5a, class_5a, class_6b)):
        student = f.StudentFactory(school=school, birth_date=f"201{index}-03-0{index + 1}")
        f.ClassMembershipFactory(student=student, class_unit=unit)
        f.GuardianshipFactory(guardian=f.GuardianFactory(school=school), student=student)
        if unit == class_5a:
            f.StudyGroupMembershipFactory(group=group, student=student)
    lesson = f.LessonFactory(class_unit=class_5a, subject=math, teacher=teacher)
    pupil = models.Student.objects.filter(class_memberships__class_unit=class_5a).first()
    f.MarkFactory(lesson=lesson, student=pupil, work_type=work_type)
    return school


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def _empty_database():
    """Everything the school's data hangs on goes: the import then starts from an empty database."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE gradebook_school CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# The OneRoster 1.2 CSV binding's columns, in its order (checked against public 1.2 implementations, not
# read from exchange.oneroster.spec): ediary's metadata.ediary.* extension columns may only follow them.
SPEC_COLUMNS = {
    "orgs": "sourcedId status dateLastModified name type identifier parentSourcedId",
    "academicSessions": "sourcedId status dateLastModified title type startDate endDate parentSourcedId schoolYear",
    "courses": "sourcedId status dateLastModified schoolYearSourcedId title courseCode grades orgSourcedId subjects "
    "subjectCodes",
    "classes": "sourcedId status dateLastModified title grades courseSourcedId classCode classType location "
    "schoolSourcedId termSourcedIds subjects subjectCodes periods",
    "users": "sourcedId status dateLastModified enabledUser username userIds givenName familyName middleName "
    "identifier email sms phone agentSourcedIds grades password userMasterIdentifier resourceSourcedIds "
    "preferredGivenName preferredMiddleName preferredFamilyName primaryOrgSourcedId pronouns",
    "roles": "sourcedId status dateLastModified userSourcedId roleType role beginDate endDate orgSourcedId "
    "userProfileSourcedId",
    "enrollments": "sourcedId status dateLastModified classSourcedId schoolSourcedId userSourcedId role primary "
    "beginDate endDate",
    "categories": "sourcedId status dateLastModified title weight",
    "lineItems": "sourcedId status dateLastModified title description assignDate dueDate classSourcedId "
    "categorySourcedId academicSessionSourcedId resultValueMin resultValueMax schoolSourcedId",
    "lineItemScoreScales": "sourcedId status dateLastModified title lineItemSourcedId scoreScaleSourcedId",
    "results": "sourcedId status dateLastModified lineItemSourcedId studentSourcedId scoreStatus score scoreDate "
    "comment textScore classSourcedId inProgress incomplete late missing",
    "scoreScales": "sourcedId status dateLastModified title type orgSourcedId courseSourcedId classSourcedId "
    "scoreScaleValue",
}
MANIFEST_FILES = [
    *SPEC_COLUMNS,
    "demographics",
    "resources",
    "classResources",
    "courseResources",
    "userResources",
    "userProfiles",
    "lineItemLearningObjectiveIds",
    "resultLearningObjectiveIds",
    "resultScoreScales",
]


def test_export_holds_every_file_with_the_spec_headers(school):
    files = _unzip(oneroster_export(school_year=school.years.get()))
    manifest = dict(csv.reader(io.StringIO(files["manifest.csv"].decode())))
    assert manifest["oneroster.version"] == "1.2"
    assert {key for key in manifest if key.startswith("file.")} == {f"file.{name}" for name in MANIFEST_FILES}
    for name, columns in SPEC_COLUMNS.items():
        assert manifest[f"file.{name}"] == "bulk", name
        header = next(csv.reader(io.StringIO(files[f"{name}.csv"].decode())))
        spec = columns.split()
        assert header[: len(spec)] == spec, name
        assert all(column.startswith("metadata.ediary.") for column in header[len(spec) :]), name
    assert {name.removesuffix(".csv") for name in files} == {"manifest", *SPEC_COLUMNS}
    scale = _rows(files["scoreScales.csv"])[0]["sourcedId"]
    items = {row["sourcedId"] for row in _rows(files["lineItems.csv"])}
    links = _rows(files["lineItemScoreScales.csv"])
    assert {row["lineItemSourcedId"] for row in links} == items
    assert {row["scoreScaleSourcedId"] for row in links} == {scale}
    admin = models.Employee.objects.get(school=school, is_administrator=True)
    admin_roles = {row["role"] for row in _rows(files["roles.csv"]) if row["userSourcedId"] == str(admin.public_id)}
    assert admin_roles == {"siteAdministrator", "aide"}  # 1.2 has no plain "administrator"
    users = _rows(files["users.csv"])
    student = models.Student.objects.filter(school=school).first()
    row = next(r for r in users if r["sourcedId"] == str(student.public_id))
    guardian = student.guardianships.get().guardian
    assert row["agentSourcedIds"] == str(guardian.public_id)
    assert _rows(files["results.csv"])[0]["score"].endswith(".0")


def test_round_trip_into_an_empty_database_gives_the_same_roster(school):
    before = _roster(school)
    data = oneroster_export(school_year=school.years.get())
    _empty_database()
    empty = f.SchoolFactory()
    report = oneroster_import(school=empty, files=data, by=None)
    assert report.ok, report.problems
    after = _roster(empty)
    assert after == before
    again = oneroster_import(school=empty, files=data, by=None)
    assert again.ok and not again.changed, (again.created, again.updated)
    assert _roster(empty) == before


def test_round_trip_of_the_demo_school(db):
    from gradebook.services.demo import demo_school_seed
    from gradebook.services.demo.plan import MIN_STUDENTS

    demo_school_seed(seed=1, today=None, students=MIN_STUDENTS)
    school = models.School.objects.get()
    year = school.years.order_by("-starts_on").first()
    data = oneroster_export(school_year=year)
    before = _roster(school)
    _empty_database()
    empty = f.SchoolFactory()
    report = oneroster_import(school=empty, files=data, by=None)
    assert report.ok, report.problems[:5]
    after = _roster(empty)
    for key in ("years", "subjects", "classes", "groups", "students", "guardians", "employees", "guardianships"):
        assert after[key] == before[key], key
    # Only the exported year's memberships travel.
    assert after["memberships"] == {m for m in before["memberships"] if m[1] in {c[0] for c in after["classes"]}}
    assert not oneroster_import(school=empty, files=data, by=None).changed


def test_dry_run_writes_nothing(school):
    data = oneroster_export(school_year=school.years.get())
    _empty_database()
    empty = f.SchoolFactory()
    report = oneroster_import(school=empty, files=data, by=None, dry_run=True)
    assert report.ok and report.changed
    assert not models.Student.objects.exists()


def _broken(school) -> bytes:
    """The school's export with each of the five problems in it."""
    files = _unzip(oneroster_export(school_year=school.years.get()))
    # Missing column: courses without title.
    rows = _rows(files["courses.csv"])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[k for k in rows[0] if k != "title"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    files["courses.csv"] = buffer.getvalue().encode()
    # Bad date, line 2 of academicSessions; unknown reference and duplicate id in enrollments.
    files["academicSessions.csv"] = files["academicSessions.csv"].replace(
        str(school.years.get().starts_on).encode(), b"01.09.2025", 1
    )
    lines = files["enrollments.csv"].decode().splitlines()
    first = lines[1].split(",")
    first[3] = "11111111-1111-1111-1111-111111111111"
    lines[1] = ",".join(first)
    lines.append(lines[2])
    files["enrollments.csv"] = ("\r\n".join(lines) + "\r\n").encode()
    # Wrong encoding: users in Windows-1251.
    files["users.csv"] = files["users.csv"].decode().encode("cp1251")
    return _zip(files)


def test_broken_files_report_every_problem_and_write_nothing(school):
    data = _broken(school)
    _empty_database()
    empty = f.SchoolFactory()
    report = oneroster_import(school=empty, files=data, by=None)
    found = {(p.file, p.field) for p in report.problems}
    assert ("courses.csv", "title") in found  # missing column
    assert ("academicSessions.csv", "startDate") in found  # bad date
    assert ("enrollments.csv", "classSourcedId") in found  # unknown reference
    assert ("enrollments.csv", "sourcedId") in found  # duplicate id
    assert ("users.csv", "") in found  # wrong encoding
    by_field = {(p.file, p.field): p for p in report.problems}
    assert by_field[("academicSessions.csv", "startDate")].line == 2
    assert by_field[("enrollments.csv", "classSourcedId")].line == 2
    assert by_field[("users.csv", "")].line >= 2
    assert not report.changed
    assert not models.SchoolYear.objects.exists()
    assert not models.Student.objects.exists()


def test_a_problem_in_one_file_stops_the_whole_import(school):
    files = _unzip(oneroster_export(school_year=school.years.get()))
    files["roles.csv"] = files["roles.csv"].replace(b",student,", b",pupil,", 1)
    _empty_database()
    empty = f.SchoolFactory()
    report = oneroster_import(school=empty, files=_zip(files), by=None)
    assert ("roles.csv", "role") in {(p.file, p.field) for p in report.problems}
    assert not models.SchoolYear.objects.exists() and not models.Guardian.objects.exists()


def test_ids_of_another_school_are_refused(school):
    data = oneroster_export(school_year=school.years.get())
    other = f.SchoolFactory()
    report = oneroster_import(school=other, files=data, by=None)
    assert not report.ok
    assert {p.message for p in report.problems} == {"The sourcedId belongs to another school."}
    assert not models.Student.objects.filter(school=other).exists()


def test_not_a_zip_is_a_problem(db):
    report = oneroster_import(school=f.SchoolFactory(), files=b"plain text", by=None)
    assert [p.message for p in report.problems] == ["Not a zip file."]


# --- The simple import and the pages -------------------------------------------------------------

SIMPLE_HEADER = (
    "student_surname,student_name,student_patronymic,student_birth_date,class,"
    "guardian_surname,guardian_name,guardian_patronymic,guardian_relation\r\n"
)


def test_simple_import_csv_creates_students_guardians_and_memberships_once(world):
    from exchange.simple_import import simple_import

    data = (
        SIMPLE_HEADER + "Новикова,Ольга,,2015-02-03,5А,Новиков,Игорь,,father\r\n"
        "Новикова,Ольга,,2015-02-03,5А,Новикова,Ирина,,mother\r\n"
    ).encode()
    report = simple_import(school=world.school, name="students.csv", data=data, by=None)
    assert report.ok, report.problems
    student = models.Student.objects.get(surname="Новикова")
    assert student.class_memberships.get().class_unit == world.class_5a
    assert {g.guardian.name for g in student.guardianships.all()} == {"Игорь", "Ирина"}
    again = simple_import(school=world.school, name="students.csv", data=data, by=None)
    assert again.ok and not again.changed


def test_simple_import_xlsx_from_the_template(world):
    from exchange.simple_import import simple_import, template_workbook

    workbook = template_workbook()
    workbook.active.cell(row=2, column=5, value="6Б")
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = simple_import(school=world.school, name="students.xlsx", data=buffer.getvalue(), by=None)
    assert report.ok, report.problems
    assert models.Student.objects.get(surname="Иванова", name="Анна").class_memberships.get().class_unit == (
        world.class_6b
    )


def test_simple_import_errors_are_all_reported_and_nothing_written(world):
    from exchange.simple_import import simple_import

    count = models.Student.objects.count()
    data = (SIMPLE_HEADER + "Новикова,Ольга,,03/02/2015,9Я,Новиков,Игорь,,uncle\r\n").encode("cp1251")
    report = simple_import(school=world.school, name="students.csv", data=data, by=None)
    assert [(p.line, p.field) for p in report.problems] == [(2, "")]  # wrong encoding comes first
    report = simple_import(school=world.school, name="students.csv", data=data.decode("cp1251").encode(), by=None)
    assert {(p.line, p.field) for p in report.problems} == {
        (2, "student_birth_date"),
        (2, "class"),
        (2, "guardian_relation"),
    }
    report = simple_import(school=world.school, name="students.csv", data=b"student_surname\r\nX\r\n", by=None)
    assert {p.field for p in report.problems} == {"student_name", "student_birth_date", "class"}
    assert models.Student.objects.count() == count


def test_import_page_answers_400_with_the_report(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(world.admin.user)
    bad = SimpleUploadedFile("s.csv", (SIMPLE_HEADER + "А,Б,,2015-01-01,9Я,,,,\r\n").encode())
    response = client.post(reverse("exchange:import"), {"file": bad})
    assert response.status_code == 400
    assert b"Unknown class" in response.content
    good = SimpleUploadedFile("s.csv", (SIMPLE_HEADER + "А,Б,,2015-01-01,5А,,,,\r\n").encode())
    assert client.post(reverse("exchange:import"), {"file": good}).status_code == 200
    assert models.Student.objects.filter(surname="А", school=world.school).exists()


def test_export_page_gives_the_zip(client, world):
    from django.urls import reverse

    client.force_login(world.admin.user)
    response = client.get(reverse("exchange:year-export", kwargs={"public_id": world.year.public_id}))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "users.csv" in _unzip(response.content)


def test_import_page_school_outside_scope_is_404(client, world):
    from django.urls import reverse

    client.force_login(world.admin.user)
    assert client.get(reverse("exchange:import"), {"school": world.other_school.public_id}).status_code == 404
    assert client.get(reverse("exchange:import"), {"school": "not-a-uuid"}).status_code == 404


def test_every_import_is_kept_for_the_administrator_written_or_refused(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from exchange.models import ImportRun

    client.force_login(world.admin.user)
    bad = SimpleUploadedFile("плохой.csv", (SIMPLE_HEADER + "А,Б,,2015-01-01,9Я,,,,\r\n").encode())
    assert client.post(reverse("exchange:import"), {"file": bad}).status_code == 400
    good = SimpleUploadedFile("s.csv", (SIMPLE_HEADER + "А,Б,,2015-01-01,5А,,,,\r\n").encode())
    client.post(reverse("exchange:import"), {"file": good, "dry_run": "1"})
    good.seek(0)
    page = client.post(reverse("exchange:import"), {"file": good})
    runs = list(ImportRun.objects.order_by("pk").values_list("file_name", "format", "dry_run", "problems", "by"))
    admin = world.admin.user.pk
    assert runs == [
        ("плохой.csv", "simple", False, 1, admin),
        ("s.csv", "simple", True, 0, admin),
        ("s.csv", "simple", False, 0, admin),
    ]
    assert ImportRun.objects.order_by("pk").last().created["students"] == 1
    html = page.content.decode()
    assert html.count("<tr>") >= 3 and "1 problem, nothing written" in html and "checked, valid" in html
    assert "imported: " in html
    assert html.count(world.admin.short_name) == 3  # who, by the employee's name
    # Another school's administrator does not see them.
    client.force_login(world.other_school_admin.user)
    assert "плохой.csv" not in client.get(reverse("exchange:import")).content.decode()
