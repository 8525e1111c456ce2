"""Webhooks go only to public https addresses (server-side request forgery): an internal address is refused when
the administrator sets it (the page says why, nothing is saved) and again at delivery, on what the name resolves
to then (DNS rebinding) — the row fails for good and no request is made."""

import datetime
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from ediary.outbox import OutboxStatus
from exchange import tasks
from exchange.addresses import INTERNAL, SCHEME, AddressRefused, check_url, is_internal_ip
from exchange.models import Webhook
from exchange.services import api_client_issue
from exchange.tasks import deliver_webhook

PUBLIC_IP = "93.184.215.14"
HOOKS = "hooks.portal.example"

INTERNAL_URLS = [
    "https://localhost/hooks",
    "https://LocalHost/hooks",
    "https://api.localhost/hooks",
    "https://printer.local/hooks",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://router.home.arpa/",
    "https://127.0.0.1/hooks",
    "https://127.8.9.10:8443/hooks",
    "https://10.1.2.3/hooks",
    "https://172.16.0.1/hooks",
    "https://192.168.1.1/hooks",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/hooks",
    "https://0.0.0.0/hooks",
    "https://224.0.0.1/hooks",
    "https://240.0.0.1/hooks",
    "https://255.255.255.255/hooks",
    "https://[::1]/hooks",
    "https://[::]/hooks",
    "https://[fc00::1]/hooks",
    "https://[fd12:3456::1]/hooks",
    "https://[fe80::1]/hooks",
    "https://[ff02::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://[::ffff:a9fe:a9fe]/hooks",  # 169.254.169.254 written as IPv6
    "https://[64:ff9b::a9fe:a9fe]/hooks",  # the same through NAT64
    "https://[2002:7f00:1::]/hooks",  # 127.0.0.1 through 6to4
]
PUBLIC_URLS = [
    "https://portal.example/hooks",
    "https://hooks.gosuslugi.ru:8443/ediary?school=1",
    f"https://{PUBLIC_IP}/hooks",
    "https://[2606:4700:4700::1111]/hooks",
]


# --- The check itself ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_an_internal_address_is_refused(url):
    with pytest.raises(AddressRefused) as refused:
        check_url(url)
    assert refused.value.code == INTERNAL


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_public_address_passes(url):
    target = check_url(url)
    assert target.scheme == "https"


def test_the_target_keeps_the_name_port_and_path():
    target = check_url("https://hooks.gosuslugi.ru:8443/ediary?school=1")
    assert (target.host, target.port, target.path) == ("hooks.gosuslugi.ru", 8443, "/ediary?school=1")
    assert check_url("https://portal.example").path == "/"


def test_a_name_is_judged_whatever_its_case_or_final_dot():
    with pytest.raises(AddressRefused):
        check_url("https://LOCALHOST./hooks")
    with pytest.raises(AddressRefused):
        check_url("https://Printer.Local./hooks")


@pytest.mark.parametrize("url", ["http://portal.example/hooks", f"http://{PUBLIC_IP}/hooks"])
def test_plain_http_is_refused_unless_allowed(settings, url):
    with pytest.raises(AddressRefused) as refused:
        check_url(url)
    assert refused.value.code == SCHEME
    settings.EXCHANGE_WEBHOOK_ALLOW_HTTP = True
    assert check_url(url).port == 80


def test_the_private_setting_lets_internal_addresses_through(settings):
    settings.EXCHANGE_WEBHOOK_ALLOW_PRIVATE = True
    assert check_url("https://127.0.0.1:8443/hooks").host == "127.0.0.1"
    assert check_url("https://portal.city.internal/hooks").host == "portal.city.internal"
    with pytest.raises(AddressRefused):  # http still needs its own setting
        check_url("http://127.0.0.1/hooks")


@pytest.mark.parametrize(
    ("address", "internal"),
    [
        ("127.0.0.1", True),
        ("169.254.169.254", True),
        ("fe80::1%eth0", True),
        ("::ffff:10.0.0.1", True),
        ("192.0.2.1", True),  # documentation: not on the internet
        (PUBLIC_IP, False),
        ("2606:4700:4700::1111", False),
        ("::ffff:93.184.215.14", False),
    ],
)
def test_resolved_addresses_are_judged_like_typed_ones(address, internal):
    assert is_internal_ip(address) is internal


# --- The administrator's form ------------------------------------------------------------------------------


@pytest.fixture
def portal(world):
    client, _key = api_client_issue(school=world.school, name="Городской портал", scope="read", by=world.admin.user)
    return client


@pytest.fixture
def admin_client(client, world, english):
    client.force_login(world.admin.user)
    return client


def _set_webhook(admin_client, portal, url):
    return admin_client.post(
        reverse("exchange:client-webhook", kwargs={"pk": portal.pk}), {"webhook_url": url, "webhook_secret": ""}
    )


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_the_form_refuses_an_internal_address_and_saves_nothing(admin_client, portal, url):
    response = _set_webhook(admin_client, portal, url)
    assert response.status_code == 400
    page = response.content.decode()
    assert "points into an internal network" in page
    assert "webhooks go only to public addresses on the internet" in page
    portal.refresh_from_db()
    assert (portal.webhook_url, portal.webhook_secret) == ("", "")


def test_the_form_refuses_plain_http(admin_client, portal):
    response = _set_webhook(admin_client, portal, "http://portal.example/hooks")
    assert response.status_code == 400
    assert "The webhook address must start with https://." in response.content.decode()
    portal.refresh_from_db()
    assert portal.webhook_url == ""


def test_the_form_refuses_a_name_without_a_domain(admin_client, portal):
    response = _set_webhook(admin_client, portal, "https://intranet/hooks")
    assert response.status_code == 400
    assert "valid http or https address" in response.content.decode()
    portal.refresh_from_db()
    assert portal.webhook_url == ""


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_the_form_saves_a_public_address(admin_client, portal, url):
    response = _set_webhook(admin_client, portal, url)
    assert response.status_code == 200  # the secret made for it is shown once
    portal.refresh_from_db()
    assert portal.webhook_url == url and portal.webhook_secret


def test_the_form_takes_a_local_address_when_the_settings_allow_it(admin_client, portal, settings):
    settings.EXCHANGE_WEBHOOK_ALLOW_PRIVATE = settings.EXCHANGE_WEBHOOK_ALLOW_HTTP = True
    assert _set_webhook(admin_client, portal, "http://127.0.0.1:8080/hooks").status_code == 200
    portal.refresh_from_db()
    assert portal.webhook_url == "http://127.0.0.1:8080/hooks"


# --- Delivery ------------------------------------------------------------------------------------------------


class Receiver:
    """A local plain-http server that records each POST and answers 200: where a forged address would lead."""

    def __init__(self):
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    thread.join(timeout=5)


def _info(address: str, port: int) -> tuple:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))


class Dns:
    """What ``socket.getaddrinfo`` answers: {name: [addresses]} (an attacker's DNS), and the names asked."""

    def __init__(self):
        self.table: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def getaddrinfo(self, host, port, *args, **kwargs):
        self.asked.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [_info(address, port) for address in self.table[host]]


@pytest.fixture
def dns(monkeypatch):
    answers = Dns()
    monkeypatch.setattr(socket, "getaddrinfo", answers.getaddrinfo)
    return answers


def _local(port: int) -> socket.socket:
    """A connection to the local receiver (``socket.create_connection`` would ask the fake DNS)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    return sock


@pytest.fixture
def connections(monkeypatch):
    """Every connection the task attempts, recorded and failed (none is expected)."""
    attempted: list = []

    def connect(addresses, timeout):
        attempted.append(addresses)
        raise ConnectionRefusedError("the test allows no connection")

    monkeypatch.setattr(tasks, "_connect", connect)
    return attempted


def _webhook(portal, url) -> Webhook:
    portal.webhook_url, portal.webhook_secret = url, "a-webhook-secret-of-the-portal"
    portal.save()  # as a row saved before the check, or set outside the form
    return Webhook.objects.create(
        client=portal, event="final_published", payload={"event": "final_published"}, dedupe_key=f"test:{url}"
    )


@pytest.mark.parametrize("resolved", [["127.0.0.1"], ["10.0.0.5"], ["169.254.169.254"], ["::1"], ["::ffff:7f00:1"]])
def test_a_name_resolving_to_an_internal_address_is_refused_at_delivery(settings, portal, receiver, dns, resolved):
    settings.EXCHANGE_WEBHOOK_ALLOW_HTTP = True  # so that a request, were it made, would reach the receiver
    dns.table[HOOKS] = resolved
    webhook = _webhook(portal, f"http://{HOOKS}:{receiver.port}/hooks")

    assert deliver_webhook(webhook.pk) == OutboxStatus.FAILED
    webhook.refresh_from_db()
    assert (webhook.status, webhook.attempts, webhook.claimed_until) == (OutboxStatus.FAILED, 1, None)
    assert webhook.last_error.startswith(f"address refused: {HOOKS} resolves to an internal address")
    assert dns.asked == [HOOKS]
    assert receiver.received == []
    deliver_webhook(webhook.pk)  # failed for good: never tried again
    webhook.refresh_from_db()
    assert webhook.attempts == 1


def test_one_internal_address_among_public_ones_is_enough_to_refuse(portal, dns, connections):
    dns.table[HOOKS] = [PUBLIC_IP, "127.0.0.1"]
    webhook = _webhook(portal, f"https://{HOOKS}/hooks")
    assert deliver_webhook(webhook.pk) == OutboxStatus.FAILED
    webhook.refresh_from_db()
    assert "127.0.0.1" in webhook.last_error and PUBLIC_IP not in webhook.last_error
    assert connections == []


@pytest.mark.parametrize(
    "url",
    ["https://169.254.169.254/latest/meta-data/", "https://localhost/hooks", "http://portal.example/hooks"],
)
def test_an_address_saved_before_the_check_is_refused_without_a_lookup(portal, dns, connections, url):
    webhook = _webhook(portal, url)
    assert deliver_webhook(webhook.pk) == OutboxStatus.FAILED
    webhook.refresh_from_db()
    assert webhook.status == OutboxStatus.FAILED and webhook.last_error.startswith("address refused:")
    assert dns.asked == [] and connections == []


def test_a_name_that_does_not_resolve_is_retried(portal, dns, connections):
    webhook = _webhook(portal, f"https://{HOOKS}/hooks")
    assert deliver_webhook(webhook.pk) == OutboxStatus.PENDING
    webhook.refresh_from_db()
    assert (webhook.status, webhook.attempts) == (OutboxStatus.PENDING, 1)
    assert webhook.not_before > timezone.now() and "gaierror" in webhook.last_error
    assert connections == []


def test_a_public_name_is_delivered_to_the_address_checked_not_a_second_lookup(
    settings, portal, receiver, dns, monkeypatch
):
    """The name resolves to a public address (checked), then would resolve to 127.0.0.1 (rebinding): the
    connection goes to the address checked — here redirected to the local receiver standing in for it."""
    settings.EXCHANGE_WEBHOOK_ALLOW_HTTP = True
    dns.table[HOOKS] = [PUBLIC_IP]
    connected: list = []

    def connect(addresses, timeout):
        connected.append(addresses)
        dns.table[HOOKS] = ["127.0.0.1"]  # the attacker's DNS changes its answer
        return _local(receiver.port)

    monkeypatch.setattr(tasks, "_connect", connect)
    webhook = _webhook(portal, f"http://{HOOKS}:{receiver.port}/hooks?school=1")

    assert deliver_webhook(webhook.pk) == OutboxStatus.SENT
    assert connected == [[(socket.AF_INET, (PUBLIC_IP, receiver.port))]]
    assert dns.asked == [HOOKS]
    (request,) = receiver.received
    assert request["headers"]["Host"] == f"{HOOKS}:{receiver.port}"
    assert request["path"] == "/hooks?school=1"
    webhook.refresh_from_db()
    assert webhook.status == OutboxStatus.SENT


# --- https: the certificate is checked against the name typed -----------------------------------------------


def _self_signed(tmp_path, name: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def tls_receiver(tmp_path, receiver):
    """The receiver behind TLS, with a self-signed certificate for ``HOOKS``."""
    cert_file, key_file = _self_signed(tmp_path, HOOKS)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    receiver.cert_file = cert_file
    return receiver


@pytest.mark.parametrize("trusted", [True, False])
def test_https_goes_to_the_checked_address_and_checks_the_certificate(portal, tls_receiver, dns, monkeypatch, trusted):
    dns.table[HOOKS] = [PUBLIC_IP]
    monkeypatch.setattr(tasks, "_connect", lambda addresses, timeout: _local(tls_receiver.port))
    if trusted:  # the certificate as if a public authority had signed it
        default_context = ssl.create_default_context
        monkeypatch.setattr(
            tasks.ssl, "create_default_context", lambda: default_context(cafile=str(tls_receiver.cert_file))
        )
    webhook = _webhook(portal, f"https://{HOOKS}:{tls_receiver.port}/hooks")

    outcome = deliver_webhook(webhook.pk)
    webhook.refresh_from_db()
    if trusted:
        assert outcome == webhook.status == OutboxStatus.SENT
        assert len(tls_receiver.received) == 1
    else:  # an unknown certificate: another try later, nothing sent
        assert outcome == webhook.status == OutboxStatus.PENDING
        assert "SSL" in webhook.last_error
        assert tls_receiver.received == []


@pytest.mark.parametrize("url", ["https://10.1.2.3/hooks", "http://portal.example/hooks", "https://localhost/"])
def test_the_service_refuses_them_too(world, url):
    from django.core.exceptions import ValidationError

    from exchange.client_services import api_client_set_webhook

    portal, _key = api_client_issue(school=world.school, name="Портал", scope="read", by=world.admin.user)
    with pytest.raises(ValidationError) as refused:
        api_client_set_webhook(client=portal, url=url, by=world.admin.user)
    assert "webhook_url" in refused.value.message_dict
    portal.refresh_from_db()
    assert portal.webhook_url == ""
