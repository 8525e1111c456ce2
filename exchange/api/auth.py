"""Who calls the API: an external system with a key of one school (``Authorization: Bearer <key>``)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from ..models import ApiClient
from ..services import api_client_for_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``request.auth`` is the ApiClient; ``request.user`` stays anonymous (no person logs in)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        try:
            raw_key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API key.")) from None
        client = api_client_for_key(raw_key)
        if client is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        return AnonymousUser(), client

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "<prefix>.<secret>"}


class IsApiClient(permissions.BasePermission):
    """Any active client reads; writing needs the write scope."""

    def has_permission(self, request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return client.scope == ApiClient.Scope.WRITE


class ApiClientThrottle(throttling.SimpleRateThrottle):
    """A rate per client (``API_RATE``, 600 calls a minute by default)."""

    scope = "api_client"

    def get_cache_key(self, request, view):
        client = request.auth
        if not isinstance(client, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": client.pk}
