"""A guardian's contact points: adding them with their provenance, verifying, removing.

Provenance and verification:
- **written** application (staff enter it with its number and date) and **electronic** document
  with an electronic signature: verified on entry. The guardian signed the address or number;
  the signature is the verification.
- **self**-entered in the cabinet: unverified until the parent proves it. An email gets a link
  (``VERIFY_LINK_DAYS``), a phone a 6-digit code by SMS (``VERIFY_CODE_MINUTES``, at most
  ``CODE_ATTEMPTS`` tries). A new link or code replaces the previous one, no sooner than
  ``RESEND_COOLDOWN`` after it, and a guardian gets at most ``VERIFICATIONS_PER_DAY`` of them a day
  (re-adding a removed number does not get round that).

Only a keyed hash (HMAC-SHA256) of a link's secret or of a code is stored; the message leaves after
the transaction commits. Every change writes a ``ContactEvent`` (added, verified, removed) with who
did it; removing keeps the row and its history. Bad input raises ``ValidationError`` with a
translated message and writes nothing.
"""

from __future__ import annotations

import datetime
import functools
import logging
import math
import re
import secrets

import phonenumbers
from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber, to_python

from ediary.sms import send_sms
from gradebook import access
from gradebook.models import Guardian

from ..models import ContactEvent, ContactPoint, ContactVerification, Provenance

logger = logging.getLogger(__name__)

Kind = ContactPoint.Kind
Action = ContactEvent.Action

VERIFY_LINK_DAYS = 3
VERIFY_CODE_MINUTES = 10
CODE_DIGITS = 6
CODE_ATTEMPTS = 5
RESEND_COOLDOWN = datetime.timedelta(seconds=60)
VERIFICATIONS_PER_DAY = 10

EMAIL_MAX_LENGTH = ContactPoint._meta.get_field("email").max_length
DOCUMENT_NUMBER_MAX_LENGTH = ContactPoint._meta.get_field("document_number").max_length
SIGNATURE_MAX_LENGTH = ContactPoint._meta.get_field("signature_reference").max_length
_HASH_SALT = "consent.contact-verification"


# --- Selectors ------------------------------------------------------------------------------


def contacts_of_user(user) -> QuerySet[ContactPoint]:
    """The contacts in use of the user's own guardian profiles (removed ones stay in the school's history)."""
    return ContactPoint.objects.active().filter(guardian__in=access.guardian_profiles_of(user))


def get_own_contact(user, pk: int) -> ContactPoint:
    """One of the user's own contacts in use, or 404 for a missing or removed one and for another person's."""
    return get_object_or_404(contacts_of_user(user).select_related("guardian__school"), pk=pk)


def contact_history(guardian: Guardian) -> QuerySet[ContactEvent]:
    """Every event of a guardian's contacts, oldest first, with who did it: one query."""
    return ContactEvent.objects.filter(contact__guardian=guardian).select_related("contact", "by")


def pending_verification(contact: ContactPoint) -> ContactVerification | None:
    """The latest verification of the contact that can still be used, if any."""
    now = timezone.now()
    return (
        contact.verifications.filter(used_at__isnull=True, expires_at__gt=now, attempts__lt=CODE_ATTEMPTS)
        .order_by("-created_at", "-pk")
        .first()
    )


def resend_wait(contact: ContactPoint) -> int:
    """Seconds before a new link or code may be sent for the contact (0: now)."""
    last = contact.verifications.order_by("-created_at", "-pk").values_list("created_at", flat=True).first()
    if last is None:
        return 0
    left = (last + RESEND_COOLDOWN - timezone.now()).total_seconds()
    return max(0, math.ceil(left))


# --- Helpers --------------------------------------------------------------------------------


def _hash(text: str) -> str:
    return salted_hmac(_HASH_SALT, text, algorithm="sha256").hexdigest()


def _link_hash(secret: str) -> str:
    return _hash(f"link:{secret.strip()}")


def _code_hash(contact_id: int, code: str) -> str:
    # The contact's id is part of what is hashed: two contacts may get the same six digits.
    return _hash(f"code:{contact_id}:{code}")


def normalize_email(value: str) -> str:
    email = BaseUserManager.normalize_email((value or "").strip())
    try:
        validate_email(email)
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
    except ValidationError as error:
        raise ValidationError({"value": _("Enter a valid email address, for example name@example.ru.")}) from error
    return email


def normalize_phone(value) -> PhoneNumber:
    """A phone number as stored (E.164); Russian by default: "8 916 123-45-67" is "+7 916 123-45-67"."""
    number = to_python(value.strip() if isinstance(value, str) else value)
    if not isinstance(number, PhoneNumber) or not number.is_valid():
        raise ValidationError(
            {"value": _("Enter a valid phone number, for example +7 916 123-45-67 or 8 916 123-45-67.")}
        )
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        raise ValidationError({"value": _("This is a landline number: enter a mobile number that can receive SMS.")})
    return number


def _normalized(kind: str, value) -> tuple[str, PhoneNumber | str]:
    """(email, phone) for the model's fields; exactly one of them is filled."""
    if kind == Kind.EMAIL:
        return normalize_email(value), ""
    if kind == Kind.PHONE:
        return "", normalize_phone(value)
    raise ValidationError({"kind": _("Choose email or phone.")})


def _locked_guardian(guardian: Guardian) -> Guardian:
    """The guardian's row, locked: two clicks on "add" do not add the same contact twice."""
    return Guardian.objects.select_for_update(of=("self",)).select_related("school").get(pk=guardian.pk)


def _check_not_duplicate(guardian: Guardian, kind: str, email: str, phone) -> None:
    active = ContactPoint.objects.active().filter(guardian=guardian, kind=kind)
    exists = active.filter(email__iexact=email).exists() if kind == Kind.EMAIL else active.filter(phone=phone).exists()
    if exists:
        message = (
            _("This email address is already among the contacts.")
            if kind == Kind.EMAIL
            else _("This phone number is already among the contacts.")
        )
        raise ValidationError({"value": message}, code="duplicate")


def _event(contact: ContactPoint, action: str, by) -> ContactEvent:
    """A line of the contact's history, with the value as it was (a phone in E.164)."""
    value = contact.email if contact.kind == Kind.EMAIL else contact.phone.as_e164
    return ContactEvent.objects.create(contact=contact, action=action, value=value, by=by)


def _check_document(document_number: str, document_date: datetime.date | None) -> None:
    errors = {}
    if not (document_number or "").strip():
        errors["document_number"] = _("A written application needs its number.")
    elif len(document_number.strip()) > DOCUMENT_NUMBER_MAX_LENGTH:
        errors["document_number"] = _("The application number is too long.")
    if document_date is None:
        errors["document_date"] = _("A written application needs its date.")
    elif document_date > timezone.localdate():
        errors["document_date"] = _("The application date cannot be in the future.")
    if errors:
        raise ValidationError(errors)


def _check_signature(signature_reference: str) -> None:
    if not (signature_reference or "").strip():
        raise ValidationError({"signature_reference": _("An electronic document needs its signature reference.")})
    if len(signature_reference.strip()) > SIGNATURE_MAX_LENGTH:
        raise ValidationError({"signature_reference": _("The signature reference is too long.")})


def _check_all(*checks) -> None:
    """Run every check and raise all their errors at once: the form shows every problem in one go."""
    errors: dict[str, list[str]] = {}
    for check in checks:
        try:
            check()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _create(*, guardian, kind, value, provenance, added_by, verified: bool, **document) -> ContactPoint:
    email, phone = _normalized(kind, value)
    guardian = _locked_guardian(guardian)
    _check_not_duplicate(guardian, kind, email, phone)
    contact = ContactPoint(
        guardian=guardian,
        kind=kind,
        email=email,
        phone=phone,
        provenance=provenance,
        added_by=added_by,
        verified_at=timezone.now() if verified else None,
        **document,
    )
    contact.save()
    _event(contact, Action.ADDED, added_by)
    if verified:
        _event(contact, Action.VERIFIED, added_by)
    return contact


# --- Adding -----------------------------------------------------------------------------------


@transaction.atomic
def contact_add_written(
    *, guardian: Guardian, kind: str, value, document_number: str, document_date: datetime.date | None, added_by
) -> ContactPoint:
    """A contact from the guardian's written application (its number and date), entered by staff.

    Verified on entry: the guardian signed it.
    """
    _check_all(lambda: _normalized(kind, value), lambda: _check_document(document_number, document_date))
    contact = _create(
        guardian=guardian,
        kind=kind,
        value=value,
        provenance=Provenance.WRITTEN,
        added_by=added_by,
        verified=True,
        document_number=document_number.strip(),
        document_date=document_date,
    )
    logger.info("contact %s added from a written application by user %s", contact.pk, getattr(added_by, "pk", None))
    return contact


@transaction.atomic
def contact_add_electronic(
    *, guardian: Guardian, kind: str, value, signature_reference: str, added_by=None
) -> ContactPoint:
    """A contact from an electronic document with the guardian's electronic signature (the exchange).

    Verified on entry: the guardian signed it.
    """
    _check_all(lambda: _normalized(kind, value), lambda: _check_signature(signature_reference))
    contact = _create(
        guardian=guardian,
        kind=kind,
        value=value,
        provenance=Provenance.ELECTRONIC,
        added_by=added_by,
        verified=True,
        signature_reference=signature_reference.strip(),
    )
    logger.info("contact %s added from an electronic document", contact.pk)
    return contact


@transaction.atomic
def contact_add_self(*, guardian: Guardian, kind: str, value, by) -> ContactPoint:
    """A contact the parent enters in the cabinet: unverified; the link or code leaves after commit."""
    contact = _create(
        guardian=guardian, kind=kind, value=value, provenance=Provenance.SELF, added_by=by, verified=False
    )
    _verification_start(contact)
    logger.info("contact %s added by its owner, user %s", contact.pk, getattr(by, "pk", None))
    return contact


# --- Verifying ----------------------------------------------------------------------------------


def _verification_start(contact: ContactPoint) -> ContactVerification:
    """Replace any pending link or code of the contact by a new one and send it after commit."""
    now = timezone.now()
    sent_today = ContactVerification.objects.filter(
        contact__guardian_id=contact.guardian_id, created_at__gt=now - datetime.timedelta(days=1)
    ).count()
    if sent_today >= VERIFICATIONS_PER_DAY:
        raise ValidationError(
            _("Too many confirmation messages were sent today. Try again tomorrow."), code="daily_limit"
        )
    contact.verifications.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now, updated_at=now)
    language = translation.get_language()
    if contact.kind == Kind.EMAIL:
        secret = secrets.token_urlsafe(32)
        verification = ContactVerification.objects.create(
            contact=contact,
            secret_hash=_link_hash(secret),
            expires_at=now + datetime.timedelta(days=VERIFY_LINK_DAYS),
        )
        context = {
            "school_name": contact.guardian.school.name,
            "link": settings.EDIARY_SITE_URL.rstrip("/") + reverse("consent:contact-verify-link", args=[secret]),
            "expires_at": verification.expires_at,
        }
        transaction.on_commit(
            functools.partial(_link_send, email=contact.email, context=context, language=language), robust=True
        )
    else:
        taken = set(contact.verifications.values_list("secret_hash", flat=True))
        while True:  # the same six digits again for the same contact would collide with an old row
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            if _code_hash(contact.pk, code) not in taken:
                break
        verification = ContactVerification.objects.create(
            contact=contact,
            secret_hash=_code_hash(contact.pk, code),
            expires_at=now + datetime.timedelta(minutes=VERIFY_CODE_MINUTES),
        )
        transaction.on_commit(
            functools.partial(_code_send, phone=contact.phone.as_e164, code=code, language=language), robust=True
        )
    return verification


def _link_send(*, email: str, context: dict, language: str | None) -> None:
    with translation.override(language):
        subject = render_to_string("consent/email/contact_verification_subject.txt", context).strip()
        message = render_to_string("consent/email/contact_verification_message.txt", context)
    send_mail(subject, message, None, [email])


def _code_send(*, phone: str, code: str, language: str | None) -> None:
    with translation.override(language):
        text = _("Your ediary confirmation code: %(code)s. Do not tell it to anyone.") % {"code": code}
    send_sms(phone, text)


def _check_verifiable(contact: ContactPoint) -> None:
    if contact.removed_at is not None or contact.anonymised_at is not None:
        raise ValidationError(_("This contact has been removed."), code="removed")
    if not contact.awaits_verification:
        raise ValidationError(_("This contact is already confirmed."), code="verified")


@transaction.atomic
def contact_verification_resend(*, contact: ContactPoint, by) -> ContactVerification:
    """A new link or code for an unconfirmed contact; the previous one stops working."""
    contact = ContactPoint.objects.select_for_update(of=("self",)).select_related("guardian__school").get(pk=contact.pk)
    _check_verifiable(contact)
    wait = resend_wait(contact)
    if wait:
        raise ValidationError(
            _("Wait %(seconds)s seconds before asking for a new one.") % {"seconds": wait}, code="cooldown"
        )
    verification = _verification_start(contact)
    logger.info("contact %s: new verification sent for user %s", contact.pk, getattr(by, "pk", None))
    return verification


def _verified(contact: ContactPoint, verification: ContactVerification, now) -> ContactPoint:
    verification.used_at = now
    verification.save(update_fields=["used_at", "updated_at"])
    contact.verified_at = now
    contact.bouncing_at = None  # the owner proved the mailbox works again
    contact.save(update_fields=["verified_at", "bouncing_at", "updated_at"])
    # Whoever follows the link or types the code proves the owner's mailbox or phone: the owner verifies.
    _event(contact, Action.VERIFIED, contact.guardian.user)
    return contact


def find_link(secret: str) -> ContactVerification | None:
    """The emailed link's verification, whatever its state (``link_problem`` says if it can be used)."""
    return (
        ContactVerification.objects.select_related("contact__guardian__school")
        .filter(secret_hash=_link_hash(secret), contact__kind=Kind.EMAIL)
        .first()
    )


def link_problem(verification: ContactVerification | None) -> str | None:
    """Why an emailed link cannot confirm its address, or None."""
    if verification is None:
        return _("This confirmation link is not valid. Check that you opened the whole link from the email.")
    contact = verification.contact
    if contact.removed_at is not None or contact.anonymised_at is not None:
        return _("This address has been removed from the contacts.")
    if verification.used_at is not None or not contact.awaits_verification:
        return _("This address is already confirmed; the link has been used.")
    if verification.expires_at <= timezone.now():
        return _("This confirmation link has expired or was replaced by a newer one. Ask for a new link.")
    return None


@transaction.atomic
def contact_verify_link(*, secret: str) -> ContactPoint:
    """Follow the emailed link: the address is confirmed and the link spent."""
    verification = (
        ContactVerification.objects.select_for_update(of=("self",))
        .select_related("contact__guardian__user")
        .filter(secret_hash=_link_hash(secret), contact__kind=Kind.EMAIL)
        .first()
    )
    problem = link_problem(verification)
    if problem:
        raise ValidationError(problem, code="invalid_link")
    return _verified(verification.contact, verification, timezone.now())


def contact_verify_code(*, contact: ContactPoint, code: str) -> ContactPoint:
    """Check the code sent by SMS. A wrong code counts as an attempt (that is written) and is refused."""
    result = _code_check(contact=contact, code=code)
    if isinstance(result, ValidationError):
        raise result
    return result


@transaction.atomic
def _code_check(*, contact: ContactPoint, code: str) -> ContactPoint | ValidationError:
    contact = ContactPoint.objects.select_for_update(of=("self",)).select_related("guardian__user").get(pk=contact.pk)
    try:
        _check_verifiable(contact)
    except ValidationError as error:
        return error
    now = timezone.now()
    verification = (
        contact.verifications.select_for_update()
        .filter(used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )
    if verification is None:
        return ValidationError({"code": _("The code has expired. Ask for a new one.")}, code="expired")
    if verification.attempts >= CODE_ATTEMPTS:
        return ValidationError({"code": _("Too many wrong attempts. Ask for a new code.")}, code="attempts")
    typed = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(typed) == CODE_DIGITS and constant_time_compare(verification.secret_hash, _code_hash(contact.pk, typed)):
        return _verified(contact, verification, now)
    verification.attempts += 1
    verification.save(update_fields=["attempts", "updated_at"])
    left = CODE_ATTEMPTS - verification.attempts
    if left == 0:
        return ValidationError({"code": _("Wrong code, and that was the last attempt. Ask for a new code.")})
    return ValidationError({"code": _("Wrong code. Attempts left: %(left)s.") % {"left": left}}, code="wrong_code")


# --- Bouncing ------------------------------------------------------------------------------------


@transaction.atomic
def contact_flag_bouncing(*, contact_id: int | None = None, email: str = "", error: str) -> int:
    """The mail server refused mail to this contact (or to every verified contact with this address) for
    good: nothing more is sent there (``ContactPoint.objects.deliverable``) until its owner verifies it
    again. Returns how many contacts were flagged now."""
    contacts = ContactPoint.objects.verified().filter(bouncing_at__isnull=True)
    if contact_id is not None:
        contacts = contacts.filter(pk=contact_id)
    elif email:
        contacts = contacts.filter(kind=Kind.EMAIL, email__iexact=email.strip())
    else:
        raise ValueError("Name the contact: contact_id or email.")
    ids = list(contacts.select_for_update().values_list("pk", flat=True))
    now = timezone.now()
    flagged = ContactPoint.objects.filter(pk__in=ids).update(bouncing_at=now, updated_at=now)
    if flagged:
        # The server's answer often repeats the address: it stays out of the log.
        logger.warning("contacts %s flagged bouncing: %s", ids, re.sub(r"\S+@\S+", "<address>", error)[:200])
    return flagged


# --- Removing ------------------------------------------------------------------------------------


@transaction.atomic
def contact_remove(*, contact: ContactPoint, by) -> ContactPoint:
    """Stop using a contact. The row and its history stay; pending links and codes stop working."""
    contact = ContactPoint.objects.select_for_update(of=("self",)).get(pk=contact.pk)
    if contact.removed_at is not None or contact.anonymised_at is not None:
        raise ValidationError(_("This contact has already been removed."), code="removed")
    now = timezone.now()
    contact.removed_at = now
    contact.removed_by = by
    contact.save(update_fields=["removed_at", "removed_by", "updated_at"])
    contact.verifications.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now, updated_at=now)
    _event(contact, Action.REMOVED, by)
    logger.info("contact %s removed by user %s", contact.pk, getattr(by, "pk", None))
    return contact
