"""The consent form a family signs: the school's current consent text, pre-filled, as an A4 PDF.

consent owns this document and its template (``consent/consent_form_pdf.html``, its CSS inside);
printouts may restyle the template. The form is written in the school's language (Russian)
whatever language the staff member's portal is in: it is a legal document under 152-ФЗ.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML

from gradebook.models import ClassMembership, Guardian, Guardianship, Student

from .models import ConsentDocument

TEMPLATE = "consent/consent_form_pdf.html"
# The law's official designation, the same in every language of the form.
LAW = "152-ФЗ"


class NoConsentDocument(Exception):
    """The school has no consent text in effect yet: an administrator adds it first."""


def _no_fetching(url: str, *args, **kwargs):
    """The form needs nothing from outside: refuse every URL (images, stylesheets, fonts by URL)."""
    raise ValueError(f"The consent form loads no external resources ({url!r}).")


def consent_form_pdf(*, student: Student, guardian: Guardian | None, on: datetime.date | None = None) -> bytes:
    """The consent form for a legal representative and a child (blank lines for the representative
    when ``guardian`` is None), with the text of the school's consent document in effect."""
    on = on or timezone.localdate()
    document = ConsentDocument.objects.current_for(student.school, on)
    if document is None:
        raise NoConsentDocument(student.school_id)
    link = (
        Guardianship.objects.filter(guardian=guardian, student=student).order_by("-starts_on").first()
        if guardian
        else None
    )
    membership = ClassMembership.objects.current(on).filter(student=student).select_related("class_unit").first()
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "document": document,
            "school": student.school,
            "student": student,
            "guardian": guardian,
            "relation": link.get_relation_display() if link else "",
            "class_unit": membership.class_unit if membership else None,
            "law": LAW,
        }
        html = render_to_string(TEMPLATE, context)
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf()
