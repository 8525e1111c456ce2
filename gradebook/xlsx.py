"""Writing an openpyxl workbook as a download: the one place that knows the XLSX response's headers."""

import io
import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ascii_name(filename: str) -> str:
    """A fallback for old clients: the name without accents, Cyrillic or quotes ("5А-2026.xlsx" → "5-2026.xlsx")."""
    stem, dot, extension = filename.rpartition(".")
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("._-") or "export"
    return f"{plain}{dot}{extension}"


def xlsx_response(workbook: Workbook, filename: str) -> HttpResponse:
    """The workbook as an attachment: an ASCII ``filename`` and the exact name in UTF-8 (RFC 6266)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{_ascii_name(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response
