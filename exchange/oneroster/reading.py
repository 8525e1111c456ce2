"""Reading CSV files for an import: strict UTF-8, required columns, ISO dates, UUIDs; problems go to the report."""

import csv
import datetime
import io
import re
import uuid

from django.utils.translation import gettext as _

from ..report import Report

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def decode(report: Report, name: str, data: bytes) -> str | None:
    """The file's text, or None with a problem when it is not UTF-8 (the line of the first bad byte)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.add(name, line, "", _("The file is not in UTF-8 encoding."))
        return None


def read_rows(report: Report, name: str, text: str, required: list[str]) -> list[tuple[int, dict]] | None:
    """(line, row) pairs; None when a required column is missing (each missing column is a problem)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    missing = [column for column in required if column not in columns]
    for column in missing:
        report.add(name, 1, column, _("The required column is missing."))
    if missing:
        return None
    rows = []
    for row in reader:
        rows.append((reader.line_num, {key: (value or "").strip() for key, value in row.items() if key}))
    return rows


def parse_date(report: Report, name: str, line: int, field: str, value: str, *, required: bool):
    if not value or value == "NULL":
        if required:
            report.add(name, line, field, _("A date is required."))
        return None
    try:
        if not ISO_DATE.match(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        report.add(name, line, field, _("Not a date in the form YYYY-MM-DD: %(value)s") % {"value": value})
        return None


def parse_uuid(report: Report, name: str, line: int, field: str, value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        report.add(name, line, field, _("Not a UUID: %(value)s") % {"value": value})
        return None


def id_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip() and part.strip() != "NULL"]
