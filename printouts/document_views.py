"""The journal's printable documents: a class's summary sheet and the year-end archive of its journal, as
landscape A4 PDFs (issue 7, point 5).

The summary sheet PDF has the summary page's access (``access.get_summary_class``: the class teacher, the
school's administration and staff); the archive is for the class teacher and the administrators
(``access.get_archive_class``). Families get a 403, other teachers and schools a 404.
"""

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from gradebook import access

from .documents.archive import journal_archive_pdf
from .documents.summary import summary_sheet_pdf

SUMMARY_ROLES = (access.TEACHER, access.CLASS_TEACHER, access.ADMINISTRATOR, access.STAFF)
ARCHIVE_ROLES = (access.TEACHER, access.CLASS_TEACHER, access.ADMINISTRATOR)


def _ascii_name(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("._-") or "document"
    return f"{plain}{dot}{extension}"


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser (``inline``), never cached: it holds personal data."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename=\"{_ascii_name(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access.require_role(*SUMMARY_ROLES)
@never_cache
def summary_sheet_pdf_view(request, public_id):
    class_unit = access.get_summary_class(request.user, public_id)
    sheet, pdf = summary_sheet_pdf(class_unit=class_unit, now=timezone.now())
    access.log_personal_data_access(request.user, [row.student for row in sheet.rows], "printouts:summary-sheet-pdf")
    year = sheet.school_year.title.replace("/", "-")
    return pdf_response(pdf, f"сводная-ведомость-{class_unit}-{year}.pdf")


@access.require_role(*ARCHIVE_ROLES)
@never_cache
def journal_archive_view(request, public_id):
    class_unit = access.get_archive_class(request.user, public_id)
    archive, pdf = journal_archive_pdf(class_unit=class_unit, now=timezone.now())
    access.log_personal_data_access(
        request.user, [row.student for row in archive.sheet.rows], "printouts:journal-archive"
    )
    year = archive.school_year.title.replace("/", "-")
    return pdf_response(pdf, f"журнал-{class_unit}-{year}.pdf")
