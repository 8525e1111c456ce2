"""Sending SMS, as infrastructure (like Django's mail): a backend chosen by ``SMS_BACKEND``.

from ediary.sms import send_sms
send_sms("+79161234567", "Код подтверждения: 123456")

Backends: ``console`` (development default: prints), ``file`` (JSON lines in ``SMS_FILE_PATH``),
``locmem`` (tests: ``ediary.sms.backends.locmem.outbox``), ``http`` (a generic gateway: ``SMS_HTTP_URL``,
``SMS_HTTP_TOKEN``). A gateway backend subclasses ``ediary.sms.backends.base.BaseSmsBackend`` and raises
``SmsError`` (try again later) or ``PermanentSmsError`` (never) when the message was not accepted.
Every message waits for a place under the gateway's rate limit (``SMS_RATE_LIMIT``, ``ratelimit.py``).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .ratelimit import sms_rate_acquire

# One SMS carries 140 bytes: 160 characters of the GSM 03.38 alphabet (7 bits each) or 70 UTF-16
# code units (UCS-2). A long message is split into parts that each lose room to the concatenation
# header: 153 GSM characters or 67 UTF-16 code units.
GSM_SEGMENT = 160
UCS2_SEGMENT = 70
GSM_MULTIPART_SEGMENT = 153
UCS2_MULTIPART_SEGMENT = 67

# The GSM 03.38 default alphabet (one septet each) and its extension table (two septets: escape + char).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("\f^{}\\[]~|€")


def _units(text: str) -> tuple[list[int], int, int]:
    """The size of each character in the encoding the text needs, and that encoding's part sizes."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text):
        return [2 if ch in GSM_EXTENSION else 1 for ch in text], GSM_SEGMENT, GSM_MULTIPART_SEGMENT
    # Anything outside the GSM alphabet (Cyrillic, a backtick, an emoji) sends the whole text as
    # UCS-2/UTF-16, where a character beyond the Basic Multilingual Plane takes two code units.
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text], UCS2_SEGMENT, UCS2_MULTIPART_SEGMENT


def sms_segments(text: str) -> int:
    """How many SMS segments (and so how many charged messages) the text takes.

    70 Cyrillic characters fit in one SMS, 71 to 134 take two, 135 take three; 160 Latin
    characters fit in one, 161 take two. A character is never split between two parts.
    """
    units, single, multi = _units(text)
    if sum(units) <= single:
        return 1
    parts, used = 1, 0
    for size in units:
        if used + size > multi:
            parts, used = parts + 1, 0
        used += size
    return parts


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    sender: str

    @property
    def segments(self) -> int:
        return sms_segments(self.text)


def get_backend(path: str | None = None):
    return import_string(path or settings.SMS_BACKEND)()


def _number(to) -> str:
    """The recipient as a string: a ``PhoneNumber`` (phonenumber_field) in E.164, as gateways expect."""
    e164 = getattr(to, "as_e164", None)
    return str(e164 if e164 else to).strip()


def send_sms(to, text: str, *, sender: str | None = None) -> SmsMessage:
    """Send one SMS through the configured backend and return what was sent.

    ``to`` is a phone number string or a ``PhoneNumber``. The backend raises if it could not send;
    ``SmsRateLimited`` when the gateway's rate limit left no room within a couple of seconds.
    """
    number = _number(to)
    if not number:
        raise ValueError("An SMS needs a recipient.")
    if not text:
        raise ValueError("An SMS needs a text.")
    message = SmsMessage(to=number, text=text, sender=sender or settings.SMS_SENDER)
    backend = get_backend()
    sms_rate_acquire()
    backend.send(message)
    return message
