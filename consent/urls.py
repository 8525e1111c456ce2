from django.urls import include, path

app_name = "consent"

urlpatterns = [
    path("school/consent/", include("consent.urls_staff")),
    path("school/contacts/", include("consent.urls_contacts")),
    path("family/", include("consent.urls_family")),
]
