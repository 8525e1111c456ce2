"""``/api/v1/``: the OpenAPI schema and its documentation page, then the endpoints (exchange/api/urls.py)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from .api.docs import api_docs

app_name = "api"

urlpatterns = [
    path(
        "schema/",
        login_not_required(SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[])),
        name="schema",
    ),
    path("docs/", api_docs, name="docs"),
    path("", include("exchange.api.urls")),
]
