"""The unsubscribe link of every email: no login, the signed token is the authorization.

A GET only shows a button (mail scanners that open links change nothing); a POST switches email off
for that guardian and child. The POST is also RFC 8058's one-click unsubscribe: a mail client sends
``List-Unsubscribe=One-Click`` to the ``List-Unsubscribe`` URL with no cookie and no CSRF token, so this
one view is ``csrf_exempt``. That is safe here: CSRF protects a session's authority, and this view uses
none — whoever POSTs must hold the signed token from the email, which is the whole of the permission,
and all it can do is stop emails about one child to one guardian.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from consent.models import DeliveryPreference
from consent.services.preferences import preference_set_email

from ..services.unsubscribe import unsubscribe_request

TEMPLATE = "notifications/unsubscribe.html"


@login_not_required
@csrf_exempt
@never_cache
@sensitive_variables("token")
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    wanted = unsubscribe_request(token)
    if wanted is None:
        return render(request, TEMPLATE, {"problem": True}, status=400)
    context = {"school": wanted.guardian.school, "child_name": wanted.student.name}
    if request.method == "POST":
        try:
            preference_set_email(
                guardian=wanted.guardian,
                student=wanted.student,
                enabled=False,
                by=request.user if request.user.is_authenticated else None,
            )
        except ValidationError:
            return render(request, TEMPLATE, {"problem": True}, status=400)
        return render(request, TEMPLATE, {**context, "done": True})
    context["already_off"] = DeliveryPreference.objects.filter(
        guardian=wanted.guardian, student=wanted.student, email=False
    ).exists()
    return render(request, TEMPLATE, context)
