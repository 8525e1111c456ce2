from gradebook.models.base import AppendOnlyError

from .contacts import ContactEvent, ContactPoint, ContactVerification, Provenance
from .documents import ConsentDocument
from .preferences import DeliveryPreference, Rhythm
from .records import ConsentRecord, Decision, Form

__all__ = [
    "AppendOnlyError",
    "ConsentDocument",
    "ConsentRecord",
    "ContactEvent",
    "ContactPoint",
    "ContactVerification",
    "Decision",
    "DeliveryPreference",
    "Form",
    "Provenance",
    "Rhythm",
]
