"""What consent announces. Apps above consent receive these; consent never imports them.

Each signal is sent inside the transaction of the service that sends it, so that receivers write in
the same transaction (ARCHITECTURE.md, "Events").
"""

from django.dispatch import Signal

# consent_changed: record (ConsentRecord) — a decision entered the registry (consent, refusal, inability,
# withdrawal, or a correction), after the access flags were brought in step. Sent by ``consent_record``.
consent_changed = Signal()
