"""Administrators and staff must set up two-factor authentication before they use the portal.

allauth's MFA has no switch for "required": this middleware sends such users to the TOTP
setup page until they have an authenticator. ``EDIARY_REQUIRE_STAFF_MFA`` turns it off.
The Django admin site's users (``is_staff``, superusers) are held to the same rule.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from . import access

# Paths a user without two-factor authentication may still open: setting it up, leaving, language.
ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")


class RequireStaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up(request):
            if getattr(request, "htmx", False):  # a partial swap would hide the redirect
                return HttpResponseClientRedirect(reverse("mfa_activate_totp"))
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _must_set_up(request) -> bool:
        if not settings.EDIARY_REQUIRE_STAFF_MFA or not request.user.is_authenticated:
            return False
        if request.path.startswith(ALLOWED_PREFIXES):
            return False
        user = request.user
        if not (user.is_staff or user.is_superuser or access.roles_of(user).is_school_staff):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
