"""Routes only: each app owns its URLs; ediary imports no app."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", include("gradebook.urls")),
    path("", include("consent.urls")),
    path("", include("notifications.urls")),
    path("", include("printouts.urls")),
    path("exchange/", include("exchange.urls_pages")),
    path("api/v1/", include("exchange.urls")),
]
