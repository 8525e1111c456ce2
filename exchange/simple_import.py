"""The simple import for schools without OneRoster: students and their guardians from a CSV or XLSX
template, one row per student and guardian. Validated in full first, written all or nothing; a student is
matched by name and birth date, a guardian by name, so importing the same file again changes nothing."""

import csv
import datetime
import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from gradebook.models import ClassMembership, ClassUnit, Guardian, Guardianship, School, SchoolYear, Student

from .oneroster.reading import decode
from .report import Report

COLUMNS = [
    "student_surname",
    "student_name",
    "student_patronymic",
    "student_birth_date",
    "class",
    "guardian_surname",
    "guardian_name",
    "guardian_patronymic",
    "guardian_relation",
]
REQUIRED = ["student_surname", "student_name", "student_birth_date", "class"]
EXAMPLE = ["Иванова", "Анна", "Сергеевна", "2015-03-14", "5А", "Иванова", "Мария", "Петровна", "mother"]
RELATIONS = {choice for choice, _label in Guardianship.Relation.choices}


def template_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return buffer.getvalue().encode("utf-8")


def template_workbook() -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "students"
    sheet.append(COLUMNS)
    sheet.append(EXAMPLE)
    return workbook


def _rows_csv(report: Report, name: str, data: bytes):
    text = decode(report, name, data)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    return [(reader.line_num, row) for row in reader]


def _rows_xlsx(report: Report, name: str, data: bytes):
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a file that is not a workbook
        report.add(name, 0, "", _("Not an XLSX workbook."))
        return None
    rows = []
    for number, values in enumerate(workbook.active.iter_rows(values_only=True), start=1):
        cells = []
        for value in values:
            if isinstance(value, datetime.datetime):
                value = value.date()
            cells.append("" if value is None else str(value))
        if any(cells):
            rows.append((number, cells))
    return rows


def _date(value: str):
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _parse(report: Report, school: School, name: str, rows) -> tuple[list[dict], SchoolYear | None]:
    if not rows:
        report.add(name, 1, "", _("The file is empty."))
        return [], None
    header = [cell.strip() for cell in rows[0][1]]
    for column in REQUIRED:
        if column not in header:
            report.add(name, 1, column, _("The required column is missing."))
    if not report.ok:
        return [], None
    today = timezone.localdate()
    year = SchoolYear.objects.filter(school=school).containing(today).first() or (
        SchoolYear.objects.filter(school=school).order_by("-starts_on").first()
    )
    classes = {str(unit): unit for unit in ClassUnit.objects.filter(school_year=year)} if year else {}
    records, seen = [], {}
    for line, cells in rows[1:]:
        row = {column: (cells[i].strip() if i < len(cells) else "") for i, column in enumerate(header)}
        if not any(row.values()):
            continue
        for column in REQUIRED:
            if not row.get(column):
                report.add(name, line, column, _("A value is required."))
        birth = _date(row["student_birth_date"]) if row["student_birth_date"] else None
        if row["student_birth_date"] and birth is None:
            report.add(
                name, line, "student_birth_date", _("Not a date: %(value)s") % {"value": row["student_birth_date"]}
            )
        unit = classes.get(row["class"].replace(" ", "").upper())
        if row["class"] and unit is None:
            report.add(name, line, "class", _("Unknown class: %(value)s") % {"value": row["class"]})
        has_guardian = bool(row.get("guardian_surname") or row.get("guardian_name"))
        if has_guardian:
            for column in ("guardian_surname", "guardian_name"):
                if not row.get(column):
                    report.add(name, line, column, _("A value is required."))
            relation = row.get("guardian_relation") or Guardianship.Relation.OTHER
            if relation not in RELATIONS:
                report.add(name, line, "guardian_relation", _("Unknown relation: %(value)s") % {"value": relation})
        key = tuple(row.get(c, "") for c in COLUMNS if c != "class" and c != "guardian_relation")
        if key in seen:
            report.add(name, line, "", _("Duplicate row (first on line %(line)s).") % {"line": seen[key]})
        seen[key] = line
        records.append({**row, "line": line, "birth": birth, "unit": unit, "has_guardian": has_guardian})
    return records, year


@transaction.atomic
def simple_import(*, school: School, name: str, data: bytes, by, dry_run: bool = False) -> Report:
    """Students (and a guardian each row) from the template as CSV (UTF-8) or XLSX."""
    report = Report(dry_run=dry_run)
    rows = _rows_xlsx(report, name, data) if name.lower().endswith(".xlsx") else _rows_csv(report, name, data)
    if rows is None:
        return report
    records, year = _parse(report, school, name, rows)
    if not report.ok or dry_run:
        return report
    start = max(year.starts_on, min(timezone.localdate(), year.ends_on)) if year else timezone.localdate()
    for record in records:
        student, created = Student.objects.get_or_create(
            school=school,
            surname=record["student_surname"],
            name=record["student_name"],
            patronymic=record.get("student_patronymic", ""),
            birth_date=record["birth"],
        )
        report.created["students"] += created
        current = ClassMembership.objects.filter(student=student, ends_on__isnull=True).first()
        if current is None:
            ClassMembership.objects.create(student=student, class_unit=record["unit"], starts_on=start)
            report.created["memberships"] += 1
        elif current.class_unit_id != record["unit"].pk:
            report.add(
                name,
                record["line"],
                "class",
                _("The student is already in class %(class)s.") % {"class": current.class_unit},
            )
        if not record["has_guardian"]:
            continue
        guardian, created = Guardian.objects.get_or_create(
            school=school,
            surname=record["guardian_surname"],
            name=record["guardian_name"],
            patronymic=record.get("guardian_patronymic", ""),
        )
        report.created["guardians"] += created
        if not Guardianship.objects.filter(guardian=guardian, student=student).exists():
            Guardianship.objects.create(
                guardian=guardian,
                student=student,
                relation=record.get("guardian_relation") or Guardianship.Relation.OTHER,
                starts_on=start,
            )
            report.created["guardianships"] += 1
    if not report.ok:
        transaction.set_rollback(True)
        report.created.clear()
    return report
