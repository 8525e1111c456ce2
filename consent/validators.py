"""Checks on uploaded scans of consent documents: their type by content, not by name, and their size."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# The first bytes of each accepted type, and the file name endings that go with it.
SIGNATURES = {
    b"%PDF-": (".pdf",),
    b"\xff\xd8\xff": (".jpg", ".jpeg"),
    b"\x89PNG\r\n\x1a\n": (".png",),
}


def validate_scan(upload) -> None:
    """A PDF, JPEG or PNG of at most ``CONSENT_SCAN_MAX_BYTES``; raises ValidationError otherwise."""
    limit = settings.CONSENT_SCAN_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large: at most %(limit)s.") % {"limit": filesizeformat(limit)}, code="too_large"
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    name = (upload.name or "").lower()
    for signature, endings in SIGNATURES.items():
        if head.startswith(signature):
            if not name.endswith(endings):
                break
            return
    raise ValidationError(_("Upload a PDF, JPEG or PNG scan of the signed document."), code="wrong_type")
