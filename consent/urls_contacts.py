"""The school's contact pages, mounted at /school/contacts/ (administrators and staff)."""

from django.urls import path

from .views import contacts

urlpatterns = [
    path("guardians/<uuid:public_id>/", contacts.contact_list, name="contact-list"),
    path("guardians/<uuid:public_id>/add/", contacts.contact_create, name="contact-create"),
    path("guardians/<uuid:public_id>/contacts/<int:pk>/remove/", contacts.contact_remove, name="contact-remove"),
    path(
        "guardians/<uuid:public_id>/paper/<uuid:student_public_id>/",
        contacts.paper_preference,
        name="paper-preference",
    ),
]
