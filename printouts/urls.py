"""The printouts pages: weekly batches and their register, compliance, a family's history, extracts on demand."""

from django.urls import path

from . import document_views, views

app_name = "printouts"

urlpatterns = [
    path("printouts/", views.batch_list, name="batch-list"),
    path("printouts/classes/<uuid:public_id>/generate/", views.batch_generate, name="batch-generate"),
    path("printouts/batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("printouts/batches/<int:pk>/pdf/", views.batch_pdf, name="batch-pdf"),
    path("printouts/extracts/<int:pk>/", views.record_update, name="record-update"),
    path("printouts/compliance/", views.compliance, name="compliance"),
    path("printouts/students/<uuid:public_id>/", views.student_history, name="student-history"),
    path("printouts/students/<uuid:public_id>/extract/", views.student_extract, name="student-extract"),
    path("printouts/family/", views.family_extracts, name="family-extracts"),
    # The journal's documents (point 5): the summary sheet and the year-end archive, as PDFs
    path(
        "printouts/classes/<uuid:public_id>/summary.pdf",
        document_views.summary_sheet_pdf_view,
        name="summary-sheet-pdf",
    ),
    path("printouts/classes/<uuid:public_id>/archive.pdf", document_views.journal_archive_view, name="journal-archive"),
]
