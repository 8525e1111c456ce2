"""The documentation page of the API: how to authenticate, the endpoints, and the schema to download.

Rendered by ediary itself (no Swagger or Redoc from a CDN: the content security policy allows only our own
scripts)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ..tombstones import RETENTION_DAYS
from .urls import router


@login_not_required
@require_GET
def api_docs(request):
    base = reverse("api:docs").removesuffix("docs/")
    endpoints = []
    for prefix, viewset, _basename in router.registry:
        writes = hasattr(viewset, "create")
        endpoints.append(
            {
                "path": f"{base}{prefix}/",
                "method": "POST" if writes else "GET",
                "detail": f"{base}{prefix}/{{id}}/" if hasattr(viewset, "retrieve") else "",
                "doc": (viewset.__doc__ or "").strip().split("\n\n")[0],
            }
        )
    context = {"endpoints": endpoints, "schema_url": reverse("api:schema"), "retention_days": RETENTION_DAYS}
    return render(request, "exchange/api_docs.html", context)
