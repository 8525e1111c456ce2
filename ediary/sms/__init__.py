"""Sending SMS, as infrastructure (like Django's mail): a backend chosen by ``SMS_BACKEND``.

from ediary.sms import send_sms
send_sms("+79161234567", "Код подтверждения: 123456")
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

GSM_SEGMENT = 160
UCS2_SEGMENT = 70
GSM_MULTIPART_SEGMENT = 153
UCS2_MULTIPART_SEGMENT = 67


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    sender: str

    @property
    def segments(self) -> int:
        """How many SMS segments the text takes: 70 characters each in Cyrillic (UCS-2)."""
        cyrillic = any(ord(ch) > 127 for ch in self.text)
        single, multi = (UCS2_SEGMENT, UCS2_MULTIPART_SEGMENT) if cyrillic else (GSM_SEGMENT, GSM_MULTIPART_SEGMENT)
        length = len(self.text)
        if length <= single:
            return 1
        return -(-length // multi)


def get_backend(path: str | None = None):
    return import_string(path or settings.SMS_BACKEND)()


def send_sms(to: str, text: str, *, sender: str | None = None) -> SmsMessage:
    """Send one SMS through the configured backend and return what was sent."""
    message = SmsMessage(to=str(to), text=text, sender=sender or settings.SMS_SENDER)
    get_backend().send(message)
    return message
