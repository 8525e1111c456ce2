"""A generic HTTP gateway: each SMS is one ``POST`` of JSON ``{"to", "text", "sender"}`` to ``SMS_HTTP_URL``
with ``Authorization: Bearer <SMS_HTTP_TOKEN>``. Any 2xx answer means the gateway accepted it.

Failures: a 4xx other than 429 raises ``PermanentSmsError`` (the gateway will never take this request);
a 429, a 5xx, a redirect, a timeout or a connection error raises ``SmsError`` (try again later).
Redirects are not followed: a gateway that moved must be configured again, and urllib would replay the
POST as a GET. The token never appears in an error message or a log.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import BaseSmsBackend, PermanentSmsError, SmsError

TOO_MANY_REQUESTS = 429


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx answer is raised as an HTTPError


_opener = urllib.request.build_opener(_NoRedirect)


class SmsBackend(BaseSmsBackend):
    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.url = url if url is not None else settings.SMS_HTTP_URL
        self.token = token if token is not None else settings.SMS_HTTP_TOKEN
        self.timeout = timeout if timeout is not None else settings.SMS_HTTP_TIMEOUT
        if not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured("SMS_HTTP_URL must be an http:// or https:// address of the SMS gateway.")

    def send(self, message) -> None:
        body = json.dumps({"to": message.to, "text": message.text, "sender": message.sender}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            with error:
                detail = error.read(200).decode("utf-8", "replace")
            text = f"SMS gateway answered {error.code}: {detail}".strip()
            if 400 <= error.code < 500 and error.code != TOO_MANY_REQUESTS:
                raise PermanentSmsError(text) from None
            raise SmsError(text) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SmsError(f"SMS gateway unreachable: {reason}") from None
