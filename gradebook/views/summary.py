"""The summary sheet (сводная ведомость) of a class: the page and its XLSX export.

The class teacher of the class and the school's administration read it (``access.get_summary_class``);
other teachers get a 404, families a 403."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..exports.summary import sheet_title, summary_workbook
from ..selectors.summary import summary_sheet
from ..xlsx import xlsx_response

SUMMARY_ROLES = (access.TEACHER, access.CLASS_TEACHER, access.ADMINISTRATOR, access.STAFF)


def _sheet(request, public_id, what: str):
    class_unit = access.get_summary_class(request.user, public_id)
    sheet = summary_sheet(class_unit, now=timezone.now())
    # Every student's finals on one sheet: personal data, logged per student shown.
    access.log_personal_data_access(request.user, [row.student for row in sheet.rows], what)
    return sheet


@access.require_role(*SUMMARY_ROLES)
def summary_sheet_page(request, public_id):
    sheet = _sheet(request, public_id, "gradebook:summary-sheet")
    return render(request, "gradebook/summary_sheet.html", {"sheet": sheet, "title": sheet_title(sheet)})


@access.require_role(*SUMMARY_ROLES)
def summary_sheet_xlsx(request, public_id):
    sheet = _sheet(request, public_id, "gradebook:summary-sheet-xlsx")
    filename = f"{_('summary-sheet')}-{sheet.class_unit}-{sheet.school_year.title.replace('/', '-')}.xlsx"
    return xlsx_response(summary_workbook(sheet), filename)
