"""The summary sheet as an XLSX workbook: the page's table with the school, class and year on top,
a merged header cell per subject, frozen names and headers, marks as numbers where they are numbers.
A final families cannot see yet is in grey italics (the legend says so)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..selectors.summary import SummarySheet

TITLE_ROWS = 4  # school; class and year; the legend; an empty line
FIRST_COLUMN = 3  # after № and the student's name
BOLD = Font(bold=True)
UNPUBLISHED_FONT = Font(italic=True, color="666666")
UNPUBLISHED_FILL = PatternFill("solid", fgColor="EEEEEE")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT_FONT = Font(color="808080")


def sheet_title(sheet: SummarySheet) -> str:
    return _("Summary sheet of class %(class)s, %(year)s school year") % {
        "class": sheet.class_unit,
        "year": sheet.school_year.title,
    }


def left_note(row) -> str:
    return _("left %(date)s") % {"date": formats.date_format(row.left_on, "d.m.Y")}


def _title(ws, sheet: SummarySheet) -> None:
    ws.append([sheet.school.name])
    ws.append([sheet_title(sheet)])
    ws.append([_("Grey italics: not yet published to families.") if sheet.has_unpublished else None])
    ws.append([])
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"].font = BOLD


def _header(ws, sheet: SummarySheet) -> None:
    top, sub = TITLE_ROWS + 1, TITLE_ROWS + 2
    totals_at = FIRST_COLUMN + sheet.column_count
    for column, text in ((1, "№"), (2, _("Student")), (totals_at, "2"), (totals_at + 1, "н/а")):
        ws.cell(top, column, text)
        ws.merge_cells(start_row=top, start_column=column, end_row=sub, end_column=column)
    column = FIRST_COLUMN
    for block in sheet.blocks:
        ws.cell(top, column, block.subject.name)
        ws.merge_cells(start_row=top, start_column=column, end_row=top, end_column=column + len(block.columns) - 1)
        for offset, sub_column in enumerate(block.columns):
            ws.cell(sub, column + offset, sub_column.short)
        column += len(block.columns)
    ws.row_dimensions[top].height = 30
    for row in ws.iter_rows(min_row=top, max_row=sub):
        for cell in row:
            cell.font = BOLD
            cell.alignment = CENTER


def _body(ws, sheet: SummarySheet) -> None:
    for number, row in enumerate(sheet.rows, start=1):
        name = row.student.full_name
        if row.left_on:
            name = f"{name} ({left_note(row)})"
        values = [cell.number if cell.number is not None else (cell.text or None) for cell in row.cells]
        ws.append([number, name, *values, row.failing or None, row.not_assessed or None])
        line = ws.max_row
        if row.left_on:
            ws.cell(line, 2).font = LEFT_FONT
        for offset, cell in enumerate(row.cells):
            target = ws.cell(line, FIRST_COLUMN + offset)
            target.alignment = CENTER
            if cell.unpublished:
                target.font = UNPUBLISHED_FONT
                target.fill = UNPUBLISHED_FILL
    ws.append([None, _("2 and н/а"), *sheet.failing_by_column, sheet.failing_total, sheet.not_assessed_total])
    for cell in ws[ws.max_row]:
        cell.font = BOLD


def summary_workbook(sheet: SummarySheet) -> Workbook:
    workbook = Workbook()
    ws = workbook.active
    ws.title = str(sheet.class_unit)
    _title(ws, sheet)
    _header(ws, sheet)
    _body(ws, sheet)
    ws.freeze_panes = ws.cell(TITLE_ROWS + 3, FIRST_COLUMN)
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 36
    for column in range(FIRST_COLUMN, FIRST_COLUMN + sheet.column_count + 2):
        ws.column_dimensions[get_column_letter(column)].width = 6
    return workbook
