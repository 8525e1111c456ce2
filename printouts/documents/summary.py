"""The summary sheet (сводная ведомость) of a class as a landscape A4 PDF for printing and the year-end
archive: the same data as gradebook's page (``gradebook.selectors.summary.summary_sheet``), in Russian
whatever the reader's portal language (it is a document of the school)."""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils import timezone, translation

from gradebook.models import ClassUnit
from gradebook.selectors.summary import SummarySheet, summary_sheet

from .base import pdf_from_html

TEMPLATE = "printouts/summary_sheet_pdf.html"


def summary_sheet_html(sheet: SummarySheet, *, printed_at: datetime.datetime) -> str:
    return render_to_string(TEMPLATE, {"sheet": sheet, "printed_at": timezone.localtime(printed_at)})


def summary_sheet_pdf(*, class_unit: ClassUnit, now: datetime.datetime | None = None) -> tuple[SummarySheet, bytes]:
    """The sheet of a class the access policy has let through (``access.get_summary_class``) and its PDF.

    The sheet is built inside the Russian override too: its column labels («Год», «Итог») are translated."""
    now = now or timezone.now()
    with translation.override("ru"):
        sheet = summary_sheet(class_unit, now=now)
        html = summary_sheet_html(sheet, printed_at=now)
    return sheet, pdf_from_html(html)
