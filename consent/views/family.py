"""The parent's cabinet: their own contacts (add, confirm, remove) and how they hear about each child."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from gradebook import access

from ..forms_contacts import CodeForm, EmailAddForm, PhoneAddForm, PreferenceForm, add_service_errors
from ..models import ContactPoint
from ..services import contacts as services
from ..services import preferences

Kind = ContactPoint.Kind


def _guardians(user) -> list:
    return list(access.guardian_profiles_of(user).select_related("school").order_by("pk"))


# --- Contacts ------------------------------------------------------------------------------------


@access.require_role(access.GUARDIAN)
@never_cache
@require_http_methods(["GET", "POST"])
def family_contacts(request):
    """The parent's contacts in use, and two small forms to add an email address or a phone number."""
    guardians = _guardians(request.user)
    adding = request.POST.get("add") if request.method == "POST" else None
    forms = {
        Kind.EMAIL: EmailAddForm(request.POST if adding == Kind.EMAIL else None, guardians=guardians, prefix="email"),
        Kind.PHONE: PhoneAddForm(request.POST if adding == Kind.PHONE else None, guardians=guardians, prefix="phone"),
    }
    if adding in forms and guardians:
        form = forms[adding]
        if form.is_valid():
            try:
                contact = services.contact_add_self(
                    guardian=form.chosen_guardian(),
                    kind=adding,
                    value=form.cleaned_data[adding],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error, {"value": adding})
            else:
                if contact.kind == Kind.EMAIL:
                    messages.success(
                        request,
                        _("We sent a confirmation link to %(email)s. Open it within %(days)s days.")
                        % {"email": contact.email, "days": services.VERIFY_LINK_DAYS},
                    )
                    return redirect("consent:family-contacts")
                return redirect("consent:contact-verify-code", pk=contact.pk)
    contacts = services.contacts_of_user(request.user).select_related("guardian__school")
    context = {
        "contacts": contacts,
        "email_form": forms[Kind.EMAIL],
        "phone_form": forms[Kind.PHONE],
        "show_school": len(guardians) > 1,
    }
    return render(request, "consent/family_contacts.html", context)


@access.require_role(access.GUARDIAN)
@never_cache
@require_http_methods(["GET", "POST"])
def contact_verify_code(request, pk):
    """Confirm a contact: type the SMS code (a phone), or ask for a new code or link."""
    contact = services.get_own_contact(request.user, pk)
    if not contact.awaits_verification:
        messages.info(request, _("This contact is already confirmed."))
        return redirect("consent:family-contacts")
    form = CodeForm(request.POST if request.POST.get("action") == "verify" else None)
    if request.method == "POST":
        if request.POST.get("action") == "resend":
            try:
                services.contact_verification_resend(contact=contact, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("We sent a new code by SMS.") if contact.kind == Kind.PHONE else _("We sent a new link."),
                )
            return redirect("consent:contact-verify-code", pk=contact.pk)
        if contact.kind == Kind.PHONE and form.is_valid():
            try:
                services.contact_verify_code(contact=contact, code=form.cleaned_data["code"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The phone number %(phone)s is confirmed.") % {"phone": contact.value})
                return redirect("consent:family-contacts")
    context = {
        "contact": contact,
        "form": form,
        "pending": services.pending_verification(contact),
        "wait": services.resend_wait(contact),
    }
    return render(request, "consent/family_contact_verify.html", context)


@access.require_role(access.GUARDIAN)
@require_http_methods(["GET", "POST"])
def family_contact_remove(request, pk):
    """Remove one of one's own contacts (whoever entered it); the school keeps its history."""
    contact = services.get_own_contact(request.user, pk)
    if request.method == "POST":
        try:
            services.contact_remove(contact=contact, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(value)s is removed from your contacts.") % {"value": contact.value})
        return redirect("consent:family-contacts")
    return render(request, "consent/family_contact_remove.html", {"contact": contact})


def _masked(email: str) -> str:
    """name@example.ru → n***@example.ru: enough to recognise one's address, not to learn someone's."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


@login_not_required
@never_cache
@sensitive_variables("secret")
@require_http_methods(["GET", "POST"])
def contact_verify_link(request, secret):
    """The emailed link, possibly opened on another device: no login needed. A GET only shows a
    button (mail scanners that open links do not confirm anything); the POST confirms, once."""
    verification = services.find_link(secret)
    problem = services.link_problem(verification)
    if problem is None and request.method == "POST":
        try:
            services.contact_verify_link(secret=secret)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            return render(request, "consent/contact_verify_link.html", {"done": True})
    context = {"problem": problem}
    if problem is None:
        context["masked_email"] = _masked(verification.contact.email)
        context["school"] = verification.contact.guardian.school
    return render(request, "consent/contact_verify_link.html", context)


# --- Delivery preferences ------------------------------------------------------------------------------


def _form_for(row, data=None) -> PreferenceForm:
    preference = row["preference"]
    initial = {
        "cabinet": preference.cabinet,
        "email": preference.email,
        "sms": preference.sms,
        "rhythm": preference.rhythm,
    }
    return PreferenceForm(data, initial=initial, prefix=f"p-{row['student'].public_id}")


@access.require_role(access.GUARDIAN)
@require_http_methods(["GET", "POST"])
def family_preferences(request):
    """Per child: the channels and rhythm the parent chooses, and what ``delivery_for`` gives now and why.

    Each child's form posts on its own; with htmx only that child's card is sent back.
    """
    links = (
        access.family_links_of(request.user)
        .select_related("guardian__school", "student")
        .order_by("student__surname", "student__name", "pk")
    )
    bound = {}
    if request.method == "POST":
        try:
            public_id = uuid.UUID(request.POST.get("student", ""))
        except ValueError as error:
            raise Http404 from error
        link = get_object_or_404(links, student__public_id=public_id)
        pair = [(link.guardian, link.student)]
        row = preferences.delivery_rows(pair)[0]
        form = _form_for(row, request.POST)
        if form.is_valid():
            try:
                preferences.preference_set(
                    guardian=link.guardian, student=link.student, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if not request.htmx:
                    messages.success(
                        request, _("Saved for %(name)s.") % {"name": f"{link.student.name} {link.student.surname}"}
                    )
                    return redirect("consent:family-preferences")
                row = preferences.delivery_rows(pair)[0]
                row["form"], row["saved"] = _form_for(row), True
                return render(request, "consent/family_preferences.html#child", {"row": row})
        if request.htmx:
            row["form"] = form
            return render(request, "consent/family_preferences.html#child", {"row": row})
        bound[link.student_id] = form
    rows = preferences.delivery_rows([(link.guardian, link.student) for link in links])
    for row in rows:
        row["form"] = bound.get(row["student"].pk) or _form_for(row)
    return render(request, "consent/family_preferences.html", {"rows": rows})
