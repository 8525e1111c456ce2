"""Logins for the people of a school: the school creates the account and hands its owner a way in.

Two ways in, both one-time and expiring (``EDIARY_ACTIVATION_CODE_DAYS``):
- an invitation link sent by email;
- an activation code printed on paper (``K7M2-9QXP``) for a family without email.

Only a keyed hash (HMAC-SHA256) of a secret is stored (``Activation.secret_hash``); the secret itself is sent or
shown once. Activating sets the password chosen by the person and spends the secret.
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from ..models import Activation

logger = logging.getLogger(__name__)

User = get_user_model()

# Letters and digits that cannot be mistaken for one another on paper: no 0/O, no 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# Cyrillic letters that look like Latin ones: a code typed on a Russian keyboard still works.
_CYRILLIC_LOOKALIKES = str.maketrans("АВЕКМНРСТУХ", "ABEKMHPCTYX")

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
USERNAME_MAX_LENGTH = 30


class LoginStatus(models.TextChoices):
    """Where a person stands with their login; the account list shows it."""

    NONE = "none", _("no login")
    INVITED = "invited", _("invited, not activated yet")
    ACTIVE = "active", _("active")
    DEACTIVATED = "deactivated", _("deactivated")


# --- Helpers -------------------------------------------------------------------------------


def secret_hash(secret: str) -> str:
    """What is stored of a secret: its HMAC-SHA256 under the server's key, in hex.

    A paper code has about 40 random bits: keyed, a leaked table cannot be searched offline.
    """
    return salted_hmac("gradebook.activation", secret, algorithm="sha256").hexdigest()


def code_generate() -> str:
    """A paper activation code such as ``K7M2-9QXP`` (40 random bits)."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{code[:4]}-{code[4:]}"


def code_normalize(typed: str) -> str:
    """A code as typed (any case, spaces, no dash, Cyrillic look-alikes) as it was printed."""
    code = re.sub(r"[^0-9A-Z]", "", typed.upper().translate(_CYRILLIC_LOOKALIKES))
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def _hashes_of(secret: str) -> set[str]:
    """A link token is hashed as it is; a paper code as it was printed, however it is typed."""
    secret = secret.strip()
    return {secret_hash(secret), secret_hash(code_normalize(secret))}


def transliterate(text: str) -> str:
    return "".join(_TRANSLIT.get(char, char) for char in text.lower())


def username_suggest(person) -> str:
    """A free login name from the transliterated surname and initials: ``ivanova.as``, ``ivanova.as2``."""
    surname = re.sub(r"[^a-z0-9]", "", transliterate(person.surname))[: USERNAME_MAX_LENGTH - 6] or "user"
    initials = "".join(re.sub(r"[^a-z]", "", transliterate(part))[:1] for part in (person.name, person.patronymic))
    base = f"{surname}.{initials}" if initials else surname
    taken = {
        name.lower() for name in User.objects.filter(username__istartswith=base).values_list("username", flat=True)
    }
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def login_status_of(user) -> LoginStatus:
    if user is None:
        return LoginStatus.NONE
    if not user.is_active:
        return LoginStatus.DEACTIVATED
    if not user.has_usable_password():
        return LoginStatus.INVITED
    return LoginStatus.ACTIVE


def activation_url(secret: str | None = None, request=None) -> str:
    """The absolute address of the activation page (with the secret for an emailed link)."""
    path = reverse("gradebook:activate-link", args=[secret]) if secret else reverse("gradebook:activate")
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.EDIARY_SITE_URL.rstrip("/") + path


# --- Inviting --------------------------------------------------------------------------------


def _check_username(username: str) -> str:
    username = username.strip()
    try:
        for validator in User._meta.get_field("username").validators:
            validator(username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from error
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This login name is already taken.")})
    return username


def _check_email(email: str, user) -> str:
    email = BaseUserManager.normalize_email(email.strip())
    others = User.objects.filter(email__iexact=email)
    if user is not None:
        others = others.exclude(pk=user.pk)
    if others.exists() or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists():
        raise ValidationError({"email": _("Another login already uses this email address.")})
    return email


def _login_for(person, *, username: str = "", email: str = ""):
    """The person's login, created (without a usable password) if they have none yet.

    A login that already works, or that was deactivated, is never taken over by an invitation.
    """
    user = person.user
    if user is not None:
        if login_status_of(user) != LoginStatus.INVITED or user.is_staff or user.is_superuser:
            raise ValidationError(
                _("This person already has a login in use. They can reset their password from the sign-in page."),
                code="login_in_use",
            )
        if email and user.email.lower() != email.lower():
            user.email = email
            user.save(update_fields=["email", "updated_at"])
        return user
    user = User(username=_check_username(username) if username else username_suggest(person), email=email)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return user


def _activation_create(*, user, person, channel: str, secret: str, created_by) -> Activation:
    """A new way in; every earlier unused one of the user stops working."""
    now = timezone.now()
    Activation.objects.filter(user=user).usable().update(revoked_at=now, updated_at=now)
    return Activation.objects.create(
        user=user,
        school=person.school,
        channel=channel,
        secret_hash=secret_hash(secret),
        expires_at=now + datetime.timedelta(days=settings.EDIARY_ACTIVATION_CODE_DAYS),
        created_by=created_by,
    )


def _locked(person):
    """The person's row, locked: two clicks on "invite" do not create two logins."""
    return type(person).objects.select_for_update(of=("self",)).select_related("school", "user").get(pk=person.pk)


@transaction.atomic
def account_invite_by_email(*, person, email: str, invited_by, request=None, username: str = "") -> Activation:
    """Create the person's login if needed and email them a one-time link to choose a password.

    The email leaves after the transaction commits.
    """
    person = _locked(person)
    email = _check_email(email, person.user)
    user = _login_for(person, username=username, email=email)
    secret = secrets.token_urlsafe(32)
    activation = _activation_create(
        user=user, person=person, channel=Activation.Channel.EMAIL, secret=secret, created_by=invited_by
    )
    context = {
        "person_name": person.full_name,
        "school_name": person.school.name,
        "username": user.username,
        "link": activation_url(secret, request),
        "expires_at": activation.expires_at,
    }
    transaction.on_commit(
        functools.partial(_invitation_send, email=email, context=context, language=translation.get_language())
    )
    logger.info("invitation %s sent by user %s", activation.pk, getattr(invited_by, "pk", None))
    return activation


def _invitation_send(*, email: str, context: dict, language: str | None) -> None:
    with translation.override(language):
        subject = render_to_string("gradebook/email/account_invitation_subject.txt", context).strip()
        message = render_to_string("gradebook/email/account_invitation_message.txt", context)
    send_mail(subject, message, None, [email])


@transaction.atomic
def activation_code_issue(*, person, issued_by, username: str = "") -> str:
    """Create the person's login if needed and return a one-time code to print on paper.

    The code is returned once and never stored; earlier unused codes and links stop working.
    """
    person = _locked(person)
    user = _login_for(person, username=username)
    code = code_generate()
    activation = _activation_create(
        user=user, person=person, channel=Activation.Channel.PAPER, secret=code, created_by=issued_by
    )
    logger.info("activation code %s issued by user %s", activation.pk, getattr(issued_by, "pk", None))
    return code


# --- Activating ------------------------------------------------------------------------------


def activation_check(activation: Activation | None) -> None:
    """Raise the reason an activation cannot be used (on the ``secret`` field), if any."""
    if activation is None or not activation.user.is_active:
        message = _("This activation code or link is not valid. Check it, or ask the school for a new one.")
    elif activation.used_at is not None:
        message = _("This activation code or link has already been used. Sign in with your login name and password.")
    elif activation.revoked_at is not None:
        message = _("This activation code or link has been replaced by a newer one. Use the latest one you received.")
    elif activation.expires_at <= timezone.now():
        message = _("This activation code or link has expired. Ask the school for a new one.")
    else:
        return
    raise ValidationError({"secret": message})


def activation_find(secret: str) -> Activation | None:
    """The activation a secret opens, whatever its state (``activation_check`` says if it is usable)."""
    return Activation.objects.select_related("user", "school").filter(secret_hash__in=_hashes_of(secret)).first()


@transaction.atomic
def account_activate(*, secret: str, password: str):
    """Spend a secret: set the password the person chose and return their login.

    A wrong, expired, used or replaced secret, or a password the validators refuse, raises a
    ``ValidationError`` (keyed ``secret`` or ``password``) and changes nothing.
    """
    activation = (
        Activation.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(secret_hash__in=_hashes_of(secret))
        .first()
    )
    activation_check(activation)
    user = activation.user
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    now = timezone.now()
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    activation.used_at = now
    activation.save(update_fields=["used_at", "updated_at"])
    Activation.objects.filter(user=user).usable().update(revoked_at=now, updated_at=now)
    if activation.channel == Activation.Channel.EMAIL and user.email:
        # Following the emailed link proves the address.
        EmailAddress.objects.update_or_create(
            user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
        )
    return user


# --- Ending -----------------------------------------------------------------------------------


@transaction.atomic
def account_deactivate(*, user, by) -> None:
    """Close a login at once: it cannot sign in, its open sessions end, its unused invitations die."""
    now = timezone.now()
    user.is_active = False
    user.save(update_fields=["is_active", "updated_at"])
    Activation.objects.filter(user=user).usable().update(revoked_at=now, updated_at=now)
    user_id = str(user.pk)
    stale = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=now).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == user_id
    ]
    Session.objects.filter(pk__in=stale).delete()
    logger.info("user %s deactivated by user %s", user.pk, getattr(by, "pk", None))
