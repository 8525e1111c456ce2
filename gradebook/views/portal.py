"""The portal shell: the home page that sends each role to its place, the role switch, health."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import navigation


def home(request):
    target = navigation.home_url_for(request)
    if target:
        return redirect(target)
    return render(request, "gradebook/home.html")


@require_POST
def role_switch(request):
    navigation.choose_role(request, request.POST.get("role", ""))
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("gradebook:home")


@login_not_required
@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
