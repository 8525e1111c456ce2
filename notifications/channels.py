"""Sending one ``Message`` through its channel: email through Django's mail backend (plain text and HTML,
the school as sender), SMS through ``ediary``'s SMS backend.

Each raises ``PermanentFailure`` when trying again cannot help, and lets any other error through (the task
retries it with backoff). Permanent:
- email: every recipient refused with a 5xx (``SMTPRecipientsRefused``) or the message refused with a 5xx
  after the recipients were accepted (``SMTPDataError``): the address bounces. A refused sender, a failed
  login or any other server error is the school's configuration, not the family's address: retried, and
  the staff view shows the error.
- SMS: the gateway refused the request for good (``PermanentSmsError``: a 4xx other than 429). The number is
  not flagged: a 4xx may just as well be a wrong token.
"""

from __future__ import annotations

import smtplib
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from ediary.sms import send_sms
from ediary.sms.backends.base import PermanentSmsError

from .models import Message
from .services.unsubscribe import unsubscribe_url


class PermanentFailure(Exception):
    def __init__(self, text: str, *, bouncing: bool = False):
        super().__init__(text)
        self.bouncing = bouncing


def email_sender(school) -> str:
    """``Школа № 1 <noreply@…>``: the school's name before the address of ``DEFAULT_FROM_EMAIL``."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return str(Address(display_name=school.short_name, addr_spec=address))


def _headers(message: Message) -> dict[str, str]:
    headers = {"Auto-Submitted": "auto-generated"}
    if message.student_id:
        # One click in the mail program (RFC 8058) switches off email about this child.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(message.guardian, message.student)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _refused_for_good(error: smtplib.SMTPRecipientsRefused) -> bool:
    codes = [code for code, _text in error.recipients.values()]
    return bool(codes) and all(code >= 500 for code in codes)


def send_email(message: Message) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=email_sender(message.school),
        to=[message.to],
        headers=_headers(message),
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        if _refused_for_good(error):
            raise PermanentFailure(f"recipient refused: {error.recipients}", bouncing=True) from error
        raise
    except smtplib.SMTPDataError as error:
        if error.smtp_code >= 500:
            raise PermanentFailure(f"message refused: {error.smtp_code} {error.smtp_error!r}", bouncing=True) from error
        raise


def send_text(message: Message) -> None:
    try:
        send_sms(message.to, message.text)
    except PermanentSmsError as error:
        raise PermanentFailure(str(error)) from error


SENDERS = {Message.Channel.EMAIL: send_email, Message.Channel.SMS: send_text}
