"""The staff's side of the consent registry: find a family, a student's registry, record a decision,
the scan, the printed form.

Staff and administrators only (``require_role``: 403 for everyone else); students come from the
access policy (``get_served_student``: 404 outside the user's schools).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gradebook import access

from .. import selectors
from ..documents import NoConsentDocument, consent_form_pdf
from ..forms import SELF, ConsentRecordForm, FamilySearchForm
from ..services.records import consent_record

STAFF_ROLES = (access.ADMINISTRATOR, access.STAFF)
PAGE_SIZE = 25
SCAN_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


def private(response):
    """Personal data: no caching anywhere, no type sniffing."""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access.require_role(*STAFF_ROLES)
@never_cache
def family_search(request):
    today = timezone.localdate()
    students = access.people_visible_to(request.user, "student")
    form = FamilySearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(selectors.family_search(students, query, today), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.family_rows(page.object_list, today)
    access.log_personal_data_access(request.user, [row.student for row in rows], "consent:family-search")
    context = {
        "form": form,
        "query": query,
        "page": page,
        "rows": rows,
        "dashboard": selectors.dashboard(students, today),
    }
    return render(request, "consent/staff_family_search.html", context)


@access.require_role(*STAFF_ROLES)
@never_cache
def student_consent(request, public_id):
    student = access.get_served_student(request.user, public_id, log_as="consent:student-consent")
    registry = selectors.student_consent(student, timezone.localdate())
    return render(request, "consent/staff_student_consent.html", {"registry": registry, "student": registry.student})


def _people(registry) -> dict:
    """Who may decide for the child: each guardian of the day, and the student from 14."""
    people = {}
    for person in registry.people:
        if person.is_self:
            if registry.may_decide_alone:
                people[SELF] = (
                    _("%(name)s (the student, for their own cabinet)") % {"name": registry.student.full_name},
                    None,
                )
        else:
            link = person.guardianship
            label = f"{person.guardian.full_name} ({link.get_relation_display()})"
            if not link.is_legal_representative:
                label += f" — {_('not a legal representative')}"
            people[str(person.guardian.public_id)] = (label, person.guardian)
    return people


@access.require_role(*STAFF_ROLES)
@never_cache
def record_create(request, public_id):
    """GET: the form (``?guardian=`` picks the person, ``?corrects=`` a record to correct); POST: record."""
    student = access.get_served_student(request.user, public_id, log_as="consent:record-create")
    registry = selectors.student_consent(student, timezone.localdate())
    records = [entry.record for entry in registry.history]
    people = _people(registry)
    initial = {}
    corrected = next((r for r in records if str(r.public_id) == request.GET.get("corrects")), None)
    if corrected is not None:
        initial["supersedes"] = str(corrected.public_id)
        initial["guardian"] = str(corrected.guardian.public_id) if corrected.guardian else SELF
    elif request.GET.get("guardian") in people:
        initial["guardian"] = request.GET["guardian"]
    elif len(people) == 1:
        initial["guardian"] = next(iter(people))
    form = ConsentRecordForm(
        request.POST or None, request.FILES or None, people=people, records=records, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent_record(student=student, recorded_by=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The decision is recorded and applies at once."))
            return redirect("consent:student-consent", public_id=student.public_id)
    context = {"registry": registry, "student": registry.student, "form": form, "has_people": bool(people)}
    return render(request, "consent/staff_record_form.html", context)


@access.require_role(*STAFF_ROLES)
def record_scan(request, public_id):
    """The scan of a signed document, to the staff of the child's school only; never a public media URL."""
    record = selectors.record_with_scan(access.people_visible_to(request.user, "student"), public_id)
    if record is None:
        raise Http404
    access.log_personal_data_access(request.user, record.student, "consent:record-scan")
    extension = record.scan.name.rsplit(".", 1)[-1].lower()
    try:
        handle = record.scan.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle,
        content_type=SCAN_TYPES.get(extension, "application/octet-stream"),
        as_attachment=False,
        filename=f"consent-{record.signed_on:%Y-%m-%d}.{extension}",
    )
    return private(response)


@access.require_role(*STAFF_ROLES)
def form_pdf(request, public_id):
    """The consent form pre-filled for a guardian of the child (``?guardian=``), or with blank lines."""
    student = access.get_served_student(request.user, public_id, log_as="consent:form-pdf")
    guardian = None
    if request.GET.get("guardian"):
        try:
            guardian = selectors.guardian_of(student, request.GET["guardian"], timezone.localdate())
        except ValidationError as bad_id:
            raise Http404 from bad_id
        if guardian is None:
            raise Http404
    try:
        pdf = consent_form_pdf(student=student, guardian=guardian)
    except NoConsentDocument:
        messages.error(request, _("The school has no consent document yet: an administrator adds its text first."))
        return redirect("consent:student-consent", public_id=student.public_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="consent-form.pdf"'
    return private(response)
