"""Real delivery for the notifications' integration tests: an SMTP server (aiosmtpd) and an HTTP SMS
gateway started by the test, and Celery workers on Redis — a thread of the test process, or a process
of its own on the test database (one that a test may kill)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.db import connection

from .conftest import skip_or_fail
from .test_celery import _redis_or_skip

BASE_DIR = Path(__file__).resolve().parent.parent
# Redis database 13 is these tests' own: no other test's (or CI's) queue meets theirs.
WORKER_REDIS_URL = "redis://127.0.0.1:6379/13"
WORKER_LOCK = "ediary-tests:notifications-workers"
LOCK_SECONDS = 300
SMS_HTTP_TOKEN = "test-gateway-token"
SMS_HTTP_BACKEND = "ediary.sms.backends.http.SmsBackend"
TIMEOUT = 20.0


def free_port() -> int:
    """A local TCP port where nothing listens (when the function returns)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, predicate: Callable[[], object], *, timeout: float = TIMEOUT, interval: float = 0.05):
    """Poll ``predicate`` until it answers something true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = predicate()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(interval)


# --- SMTP ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    headers: dict[str, str]


class _Recorder:
    """aiosmtpd handler: keeps each message it accepts. With ``delay`` it waits before accepting, so
    that a client killed meanwhile delivers nothing (its connection drops; aiosmtpd cancels the wait)."""

    def __init__(self, delay: float):
        self.delay = delay
        self.mails: list[Mail] = []
        self.lock = threading.Lock()
        self.receiving_since: float | None = None  # time.monotonic() when the message being received came

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            self.receiving_since = time.monotonic()
            try:
                await asyncio.sleep(self.delay)
            finally:
                self.receiving_since = None
        message = message_from_bytes(envelope.content, policy=policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        mail = Mail(
            sender=envelope.mail_from,
            to=tuple(envelope.rcpt_tos),
            subject=str(message["subject"] or ""),
            text=text.get_content() if text else "",
            html=html.get_content() if html else "",
            headers={key.lower(): str(value) for key, value in message.items()},
        )
        with self.lock:
            self.mails.append(mail)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    recorder: _Recorder

    @property
    def mails(self) -> list[Mail]:
        with self.recorder.lock:
            return list(self.recorder.mails)

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails if address in mail.to]

    def receiving_for(self) -> float:
        """How long the message in hand has been waiting for its answer (infinity when there is none)."""
        since = self.recorder.receiving_since
        return float("inf") if since is None else time.monotonic() - since

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@contextmanager
def smtp_server(*, delay: float = 0.0):
    """A real SMTP server on a free local port, recording what it receives."""
    recorder = _Recorder(delay)
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer(port=controller.port, recorder=recorder)
    finally:
        controller.stop()


# --- The SMS gateway -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GatewayRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict

    @property
    def text(self) -> str:
        return self.body.get("text", "")

    @property
    def to(self) -> str:
        return self.body.get("to", "")


@dataclass
class SmsGateway:
    port: int
    requests: list[GatewayRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    @property
    def sms(self) -> list[GatewayRequest]:
        with self.lock:
            return list(self.requests)

    def to(self, number: str) -> list[GatewayRequest]:
        return [request for request in self.sms if number in request.to]


def _gateway_handler(gateway: SmsGateway):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw) if raw else {}  # the HTTP backend's JSON: {"to", "text", "sender"}
            request = GatewayRequest("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with gateway.lock:
                gateway.requests.append(request)
                number = len(gateway.requests)
            answer = json.dumps({"id": str(number), "status": "accepted"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args):  # quiet: the test reads the recorded requests
            pass

    return Handler


@contextmanager
def sms_gateway():
    """A local HTTP SMS gateway that accepts every message and records the requests."""
    gateway = SmsGateway(port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _gateway_handler(gateway))
    gateway.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def deliver_through(settings, smtp: SmtpServer, gateway: SmsGateway) -> None:
    """Point this process (and so a worker thread in it) at the test's SMTP server and SMS gateway."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.SMS_BACKEND = SMS_HTTP_BACKEND
    settings.SMS_HTTP_URL = gateway.url
    settings.SMS_HTTP_TOKEN = SMS_HTTP_TOKEN


# --- Workers ----------------------------------------------------------------------------------------


@contextmanager
def redis_for_workers():
    """Redis database 13 for this test alone, emptied of whatever an earlier run left (a killed worker's
    task). Another run of these tests at the same time (another checkout, another helper) waits for the
    lock: two runs' workers on one queue would take each other's tasks."""
    import redis

    _redis_or_skip(WORKER_REDIS_URL)
    client = redis.Redis.from_url(WORKER_REDIS_URL)
    lock = client.lock(WORKER_LOCK, timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)
    if not lock.acquire():
        skip_or_fail(f"another run held Redis database 13 (the worker tests' own) for {LOCK_SECONDS} s")
    try:
        for key in client.scan_iter():
            if key != WORKER_LOCK.encode():
                client.delete(key)
        yield
    finally:
        with suppress(redis.exceptions.LockError):  # it expired: a test ran longer than LOCK_SECONDS
            lock.release()


@contextmanager
def worker_thread(app):
    """A real worker in a thread of the test process: it shares the settings and ``time_machine``'s clock."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield


def database_url_for_workers() -> str:
    """The test database as a ``DATABASE_URL``, for a worker process (PostgreSQL only)."""
    conf = connection.settings_dict
    if connection.vendor != "postgresql":
        skip_or_fail(f"a worker process needs a test database it can reach: PostgreSQL, not {connection.vendor}")
    user = quote(conf["USER"] or "", safe="")
    password = f":{quote(conf['PASSWORD'], safe='')}" if conf["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgres://{credentials}{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    output: list[str]

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, the task in hand stays where it was."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    @property
    def log(self) -> str:
        return "".join(self.output)


@contextmanager
def worker_process(*, smtp: SmtpServer, gateway: SmsGateway, name: str, extra_env: dict | None = None):
    """``celery -A ediary worker`` as a process of its own, on the test database, Redis database 13, and
    the test's SMTP server and SMS gateway. Stopped (or killed) when the block ends."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": database_url_for_workers(),
        "CONN_MAX_AGE": "0",
        "REDIS_URL": WORKER_REDIS_URL,
        "EMAIL_URL": smtp.url,
        "SMS_BACKEND": SMS_HTTP_BACKEND,
        "SMS_HTTP_URL": gateway.url,
        "SMS_HTTP_TOKEN": SMS_HTTP_TOKEN,
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "ediary",
        "worker",
        "--pool",
        "solo",
        "--hostname",
        f"{name}@%h",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: killing it kills nothing of ours
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    worker = WorkerProcess(process, output)
    try:
        try:
            wait_for(f"worker {name} to start", lambda: " ready." in worker.log or process.poll() is not None)
        except AssertionError:
            skip_or_fail(f"the worker process did not start within {TIMEOUT:.0f} s:\n{worker.log}")
        assert process.poll() is None, f"the worker process exited:\n{worker.log}"
        yield worker
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        reader.join(timeout=5)
