"""The statistics as an XLSX workbook: a sheet of curriculum fulfilment and a sheet of results, with
the page's columns and numbers (rounded to one decimal as the page shows them)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from . import Statistics
from .curriculum import FulfilmentRow
from .numbers import rounded
from .results import ResultsRow

BOLD = Font(bold=True)


def _fulfilment_line(row: FulfilmentRow) -> list:
    return [
        row.label,
        rounded(row.planned),
        rounded(row.planned_to_date),
        row.held,
        rounded(row.lag),
        rounded(row.percent_of_plan),
        rounded(row.percent_to_date),
        row.cancelled,
        row.substituted,
        *row.kind_counts,
    ]


def _results_line(row: ResultsRow) -> list:
    return [
        row.label,
        row.all,
        row.without_marks,
        row.n,
        *row.distribution,
        rounded(row.progress),
        rounded(row.quality),
        rounded(row.sou),
        rounded(row.average),
    ]


def _sheet(workbook: Workbook, title: str, caption: str, header: list[str], lines: list[list], first: bool):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append([caption])
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    for cell in (sheet[1][0], *sheet[2], *sheet[sheet.max_row]):
        cell.font = BOLD
    sheet.column_dimensions["A"].width = 32
    sheet.freeze_panes = "B3"


def statistics_workbook(statistics: Statistics, *, caption: str) -> Workbook:
    """Two sheets: row 1 the caption (school, year or period, grouping), row 2 the header, then one row a
    group and the total."""
    group = statistics.grouping_label.capitalize()
    fulfilment, results = statistics.fulfilment, statistics.results
    workbook = Workbook()
    _sheet(
        workbook,
        _("Fulfilment"),
        caption,
        [
            group,
            _("Planned hours"),
            _("Planned to date"),
            _("Lessons held"),
            _("Lag"),
            _("Of the plan, %"),
            _("To date, %"),
            _("Cancelled"),
            _("Substituted"),
            *(label for _kind, label in fulfilment.kinds),
        ],
        [_fulfilment_line(row) for row in [*fulfilment.rows, fulfilment.total]],
        first=True,
    )
    _sheet(
        workbook,
        _("Results"),
        caption,
        [
            group,
            _("All results"),
            _("Without marks"),
            "N",
            *(label for _bucket, label in results.columns),
            _("Pass rate, %"),
            _("Quality, %"),
            _("СОУ, %"),
            _("Average final"),
        ],
        [_results_line(row) for row in [*results.rows, results.total]],
        first=False,
    )
    return workbook
