"""The school's side of contacts: a guardian's contacts with their full history, contacts entered from
written applications, and paper delivery recorded from a written application."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gradebook import access

from ..forms_contacts import PaperPreferenceForm, WrittenContactForm, add_service_errors
from ..models import ContactPoint, DeliveryPreference
from ..services import contacts as services
from ..services import preferences

STAFF_ROLES = (access.ADMINISTRATOR, access.STAFF)


@access.require_role(*STAFF_ROLES)
def contact_list(request, public_id):
    guardian = access.get_served_guardian(request.user, public_id)
    contacts = ContactPoint.objects.filter(guardian=guardian).select_related("added_by", "removed_by")
    children = list(access.guardian_children_visible_to(request.user, guardian))
    access.log_personal_data_access(request.user, children, "consent:contact-list")
    context = {
        "guardian": guardian,
        "contacts": contacts,
        "events": services.contact_history(guardian),
        "rows": preferences.delivery_rows([(guardian, student) for student in children]),
    }
    return render(request, "consent/contact_list.html", context)


@access.require_role(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def contact_create(request, public_id):
    """Enter an email address or a phone number from the guardian's written application."""
    guardian = access.get_served_guardian(request.user, public_id)
    form = WrittenContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_add_written(
                guardian=guardian,
                kind=data["kind"],
                value=data["value"],
                document_number=data["document_number"],
                document_date=data["document_date"],
                added_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contact is added from the written application."))
            return redirect("consent:contact-list", public_id=guardian.public_id)
    return render(request, "consent/contact_create.html", {"guardian": guardian, "form": form})


@access.require_role(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def contact_remove(request, public_id, pk):
    """Stop using a contact of the guardian (a written application, an entry by mistake); history stays."""
    guardian = access.get_served_guardian(request.user, public_id)
    contact = get_object_or_404(ContactPoint.objects.active().filter(guardian=guardian), pk=pk)
    if request.method == "POST":
        try:
            services.contact_remove(contact=contact, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The contact is removed; its history is kept."))
        return redirect("consent:contact-list", public_id=guardian.public_id)
    return render(request, "consent/contact_remove.html", {"guardian": guardian, "contact": contact})


@access.require_role(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def paper_preference(request, public_id, student_public_id):
    """Record, from the guardian's written application, that they get a weekly paper extract (or no more)."""
    guardian = access.get_served_guardian(request.user, public_id)
    student = get_object_or_404(
        access.guardian_children_visible_to(request.user, guardian), public_id=student_public_id
    )
    access.log_personal_data_access(request.user, student, "consent:paper-preference")
    current = DeliveryPreference.objects.filter(guardian=guardian, student=student).first()
    initial = (
        {
            "paper": current.paper,
            "application_number": current.paper_application_number,
            "application_date": current.paper_application_date,
        }
        if current
        else {}
    )
    form = PaperPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            preferences.paper_preference_record(
                guardian=guardian, student=student, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Paper delivery is recorded."))
            return redirect("consent:contact-list", public_id=guardian.public_id)
    context = {
        "guardian": guardian,
        "student": student,
        "form": form,
        "row": preferences.delivery_rows([(guardian, student)])[0],
    }
    return render(request, "consent/contact_paper.html", context)
