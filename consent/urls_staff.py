"""The staff's consent pages, under /school/consent/ (names in the ``consent`` namespace)."""

from django.urls import path

from .views import staff, staff_lists

urlpatterns = [
    path("", staff.family_search, name="family-search"),
    path("students/<uuid:public_id>/", staff.student_consent, name="student-consent"),
    path("students/<uuid:public_id>/record/", staff.record_create, name="record-create"),
    path("students/<uuid:public_id>/form.pdf", staff.form_pdf, name="form-pdf"),
    path("records/<uuid:public_id>/scan/", staff.record_scan, name="record-scan"),
    path("undecided/", staff_lists.undecided, name="undecided"),
    path("paper/", staff_lists.paper, name="paper"),
    path("withdrawals/", staff_lists.withdrawals, name="withdrawals"),
]
