"""What gradebook announces. Other apps receive these; gradebook never imports them.

Each signal is sent inside the transaction of the service that sends it, so that receivers
write in the same transaction (ARCHITECTURE.md, "Events").
"""

from django.dispatch import Signal

# The demo school was built: apps above gradebook add their part of the demo (consents, …).
# Arguments: school, year (SchoolYear), today (date), seed (int).
demo_school_seeded = Signal()

# The journal. Each is sent by its service inside the transaction, after the write.
# mark_recorded: mark (Mark), previous (str value or "" when new), by (User).
mark_recorded = Signal()
# mark_removed: lesson, student, value (str), by, and position: the place in the cell that no longer holds a
# mark (the last one: a second mark left behind moves to the first place).
mark_removed = Signal()
# attendance_recorded: entry (Attendance, or None when cleared), lesson, student, by.
attendance_recorded = Signal()
# homework_set: homework (Homework), by.
homework_set = Signal()
# lesson_changed: lesson (Lesson), change (LessonChange), by.
lesson_changed = Signal()
# control_work_scheduled: control_work (ControlWork), by.
control_work_scheduled = Signal()
# recommendation_written: recommendation (Recommendation), by.
recommendation_written = Signal()
# records_removed: public_ids (the removed rows' UUIDs), school_id, by (User, or None). Sent with the model as
# sender by whatever deletes rows of a model with a public id (PublicModel): services and the admin.
records_removed = Signal()
# final_published: final (FinalMark), by (User, or None when the 24-hour rule published it). Sent once
# per publication: by the teacher's confirmation, by a change to a final families already saw, or by
# the sweep that stamps the finals past 24 hours.
final_published = Signal()
# forecast_at_risk: student, subject, period (ReportingPeriod), forecast (services.forecast.Forecast). Sent by
# mark_record after a mark is written when the student's forecast for the subject and period is at risk (a
# 2, or н/а past half the period): on every such mark; receivers keep it once per projected value.
forecast_at_risk = Signal()
