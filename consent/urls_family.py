"""The parent's cabinet pages of consent, mounted at /family/."""

from django.urls import path

from .views import family

urlpatterns = [
    path("contacts/", family.family_contacts, name="family-contacts"),
    path("contacts/verify/<str:secret>/", family.contact_verify_link, name="contact-verify-link"),
    path("contacts/<int:pk>/verify/", family.contact_verify_code, name="contact-verify-code"),
    path("contacts/<int:pk>/remove/", family.family_contact_remove, name="family-contact-remove"),
    path("preferences/", family.family_preferences, name="family-preferences"),
]
