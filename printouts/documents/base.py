"""The shared WeasyPrint machinery of printouts' documents.

Every document is rendered with the shared print stylesheet (``printouts/templates/printouts/_print.css``:
A4, "DejaVu Sans" with Cyrillic embedded, page numbers «стр. N из M») before its own CSS, and with a URL
fetcher that refuses everything: a document needs nothing from outside (no images, stylesheets or fonts
by URL), so nothing in a family's data can make the worker fetch a URL.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.document import Document

PRINT_CSS = "printouts/_print.css"


class ExternalResourceRefused(ValueError):
    """A document asked for a URL: documents are self-contained."""


def refuse_fetching(url: str, *args, **kwargs):
    raise ExternalResourceRefused(f"Printed documents load no external resources ({url!r}).")


def print_stylesheet() -> CSS:
    return CSS(string=render_to_string(PRINT_CSS), url_fetcher=refuse_fetching)


def document_from_html(html: str) -> Document:
    """The laid-out document (pages, anchors) of an HTML string, with the shared stylesheet first."""
    return HTML(string=html, url_fetcher=refuse_fetching).render(stylesheets=[print_stylesheet()])


def pdf_from_html(html: str) -> bytes:
    return document_from_html(html).write_pdf()


def render_pdf(template: str, context: dict) -> Document:
    """Render a template to a laid-out document: ``.write_pdf()`` gives the bytes, ``.pages`` the pages.

    The caller chooses the language (``translation.override("ru")`` for what families and the archive get)."""
    return document_from_html(render_to_string(template, context))
