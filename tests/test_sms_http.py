"""The HTTP gateway backend against a local HTTP server: one JSON POST per SMS with the bearer token; what
each answer means (accepted, refused for good, try again); and the gateway's rate limit."""

import datetime
import http.server
import json
import threading
import time

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from ediary.sms import SmsMessage, send_sms
from ediary.sms.backends import http as http_backend
from ediary.sms.backends import locmem
from ediary.sms.backends.base import PermanentSmsError, SmsError, SmsRateLimited
from ediary.sms.ratelimit import rate_limit, sms_rate_acquire

TOKEN = "gateway-secret-token"


class Gateway(http.server.ThreadingHTTPServer):
    """Records each request and answers with ``status`` (after ``delay`` seconds)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.requests, self.status, self.delay, self.headers_out = [], 200, 0.0, {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/sms"


class GatewayHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        for name, value in self.server.headers_out.items():
            self.send_header(name, value)
        answer = b'{"id": "42"}' if self.server.status < 400 else b'{"error": "refused"}'
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST  # a followed redirect would arrive here

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def backend(gateway, **extra):
    return http_backend.SmsBackend(url=gateway.url, token=TOKEN, **extra)


MESSAGE = SmsMessage(to="+79161234567", text="Анна: 5 по математике", sender="Школа № 1")


def test_an_sms_is_one_json_post_with_the_bearer_token(gateway):
    backend(gateway).send(MESSAGE)

    (request,) = gateway.requests
    assert request["path"] == "/sms"
    assert request["body"] == {"to": "+79161234567", "text": "Анна: 5 по математике", "sender": "Школа № 1"}
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Content-Type"].startswith("application/json")


def test_send_sms_through_the_settings(gateway, settings):
    settings.SMS_BACKEND = "ediary.sms.backends.http.SmsBackend"
    settings.SMS_HTTP_URL, settings.SMS_HTTP_TOKEN, settings.SMS_SENDER = gateway.url, TOKEN, "Гимназия"
    send_sms("+79161234567", "Проверка")
    assert gateway.requests[0]["body"]["sender"] == "Гимназия"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_a_4xx_is_a_permanent_failure(gateway, status):
    gateway.status = status
    with pytest.raises(PermanentSmsError, match=str(status)) as refused:
        backend(gateway).send(MESSAGE)
    assert TOKEN not in str(refused.value)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_429_and_5xx_are_worth_another_try(gateway, status):
    gateway.status = status
    with pytest.raises(SmsError, match=str(status)) as failed:
        backend(gateway).send(MESSAGE)
    assert not isinstance(failed.value, PermanentSmsError)


def test_a_redirect_is_not_followed(gateway):
    gateway.status, gateway.headers_out = 302, {"Location": gateway.url + "/elsewhere"}
    with pytest.raises(SmsError, match="302") as failed:
        backend(gateway).send(MESSAGE)
    assert not isinstance(failed.value, PermanentSmsError)
    assert len(gateway.requests) == 1


def test_a_slow_gateway_times_out(gateway):
    gateway.delay = 1.0
    with pytest.raises(SmsError, match="unreachable"):
        backend(gateway, timeout=0.2).send(MESSAGE)


def test_a_gateway_that_is_down_is_worth_another_try(gateway):
    url = gateway.url
    gateway.shutdown()
    gateway.server_close()
    with pytest.raises(SmsError, match="unreachable"):
        http_backend.SmsBackend(url=url, token=TOKEN, timeout=1).send(MESSAGE)


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "ftp://gateway.example/sms"])
def test_only_an_http_address_is_accepted(url):
    with pytest.raises(ImproperlyConfigured):
        http_backend.SmsBackend(url=url, token=TOKEN)


# --- The rate limit ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("30/s", (30, 1)), ("600 / m", (600, 60)), ("", None), ("0", None), ("0/s", None)]
)
def test_the_rate_limit_setting(settings, text, expected):
    settings.SMS_RATE_LIMIT = text
    assert rate_limit() == expected


@pytest.mark.parametrize("text", ["30", "30/h", "fast"])
def test_a_wrong_rate_limit_is_refused(settings, text):
    settings.SMS_RATE_LIMIT = text
    with pytest.raises(ImproperlyConfigured):
        rate_limit()


def test_over_the_limit_send_sms_waits_for_the_next_window(settings):
    settings.SMS_RATE_LIMIT = "2/s"
    started = time.monotonic()
    for _ in range(4):  # two in this second, two in the next: one wait of at most a second
        send_sms("+79161234567", "Проверка")
    assert time.monotonic() - started < 2.5
    assert len(locmem.outbox) == 4


def test_when_the_next_window_is_too_far_the_sms_is_refused_at_once(settings):
    settings.SMS_RATE_LIMIT = "1/m"
    with time_machine.travel(datetime.datetime(2026, 11, 2, 7, 0, 0, tzinfo=datetime.UTC), tick=False):
        send_sms("+79161234567", "Первое")
        with pytest.raises(SmsRateLimited):
            send_sms("+79161234567", "Второе")
    assert [sms.text for sms in locmem.outbox] == ["Первое"]


def test_each_gateway_has_its_own_count(settings):
    settings.SMS_RATE_LIMIT = "1/m"
    with time_machine.travel(datetime.datetime(2026, 11, 2, 7, 0, 0, tzinfo=datetime.UTC), tick=False):
        sms_rate_acquire(wait=0)
        settings.SMS_BACKEND = "ediary.sms.backends.console.SmsBackend"
        sms_rate_acquire(wait=0)
        with pytest.raises(SmsRateLimited):
            sms_rate_acquire(wait=0)
