"""What gradebook announces. Other apps receive these; gradebook never imports them.

Each signal is sent inside the transaction of the service that sends it, so that receivers
write in the same transaction (ARCHITECTURE.md, "Events").
"""

from django.dispatch import Signal

# The demo school was built: apps above gradebook add their part of the demo (consents, …).
# Arguments: school, year (SchoolYear), today (date), seed (int).
demo_school_seeded = Signal()
