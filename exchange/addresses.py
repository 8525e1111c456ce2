"""Where a webhook may go: a public address on the internet, over https — never ediary's own network.

A webhook is a POST that ediary's workers make to an address an administrator typed; without this check
that address could be the cloud's metadata service (169.254.169.254), the database, Redis, or any service
on the school's private network (server-side request forgery). So an address is refused when:

- its scheme is not https (http only with ``EXCHANGE_WEBHOOK_ALLOW_HTTP``);
- its host is a name that never means the internet (``localhost``, ``*.localhost``, ``*.local``,
  ``*.internal``, ``*.home.arpa``, ``*.localdomain``, a name without a dot), or an IP address that is
  loopback, private (RFC 1918, fc00::/7, 100.64/10), link-local (169.254/16, fe80::/10), multicast, reserved,
  unspecified or otherwise not global — an IPv4 address written as IPv6 (``::ffff:127.0.0.1``, NAT64, 6to4)
  is judged by the IPv4 address inside.

``check_url`` looks at the address as typed (the administrator's form: no DNS). ``resolve`` is the check at
delivery time: it resolves the name and refuses when *any* address it resolves to is internal, and the task
then connects to those very addresses — never resolving again (DNS rebinding). ``EXCHANGE_WEBHOOK_ALLOW_PRIVATE``
lets internal addresses and names through (a local test server, a portal on the city's private network).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

SCHEME = "scheme"  # not https (or http when allowed)
INTERNAL = "internal"  # an internal name or address
INVALID = "invalid"  # not a URL with a host at all

INTERNAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)


class AddressRefused(ValueError):
    """The address may not receive webhooks: ``code`` is ``SCHEME``, ``INTERNAL`` or ``INVALID``, ``host`` the host;
    the text says why (for the log and the outbox row)."""

    def __init__(self, code: str, detail: str, host: str = ""):
        super().__init__(detail)
        self.code, self.host = code, host


@dataclass(frozen=True)
class Target:
    """Where a webhook goes: the scheme, the host as typed (for Host and TLS), the port, the path and query."""

    scheme: str
    host: str
    port: int
    path: str


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for: IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def is_internal_ip(value: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an IP address is one of ediary's own network's or otherwise not a public host's."""
    ip = ipaddress.ip_address(value.split("%", 1)[0] if isinstance(value, str) else value)  # fe80::1%eth0
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_internal_ip(embedded)
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or ip in SHARED
        or not ip.is_global
    )


def is_internal_name(host: str) -> bool:
    """Whether a host name (not an IP address) never means a host on the internet."""
    host = host.lower().rstrip(".")
    return not host or "." not in host or host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES)


def _ip_or_none(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def check_url(url: str) -> Target:
    """The address as typed: its scheme, and its host when it is an IP address or an internal name.

    Raises ``AddressRefused``. A form validates the URL itself first (``URLValidator``), which says better
    what is wrong with one that is no URL at all (``INVALID`` here).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise AddressRefused(INVALID, f"not a URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and settings.EXCHANGE_WEBHOOK_ALLOW_HTTP):
        raise AddressRefused(SCHEME, f"scheme {scheme or '(none)'} is not allowed")
    host = parts.hostname or ""
    if not host:
        raise AddressRefused(INVALID, "no host")
    if not settings.EXCHANGE_WEBHOOK_ALLOW_PRIVATE:
        ip = _ip_or_none(host)
        if ip is not None and is_internal_ip(ip):
            raise AddressRefused(INTERNAL, f"{host} is an internal address", host)
        if ip is None and is_internal_name(host):
            raise AddressRefused(INTERNAL, f"{host} is an internal name", host)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


def resolve(target: Target) -> list[tuple]:
    """The socket addresses to connect to (``getaddrinfo``'s last item), each checked.

    Raises ``AddressRefused`` when any of them is internal (the name may be rebound to it next time), and
    ``OSError`` (``socket.gaierror``) when the name does not resolve — a passing failure.
    """
    infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    if not infos:
        raise socket.gaierror(f"{target.host} resolves to no address")
    if not settings.EXCHANGE_WEBHOOK_ALLOW_PRIVATE:
        refused = sorted({info[4][0] for info in infos if is_internal_ip(info[4][0])})
        if refused:
            raise AddressRefused(
                INTERNAL, f"{target.host} resolves to an internal address ({', '.join(refused)})", target.host
            )
    addresses: list[tuple] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    return addresses


def validate_webhook_url(url: str) -> None:
    """The administrator's check of an address (no DNS): a ``ValidationError`` with a translated message."""
    try:
        URLValidator(schemes=["http", "https"])(url)
        check_url(url)
    except (ValidationError, AddressRefused) as error:
        code = getattr(error, "code", INVALID)
        if code == SCHEME:
            raise ValidationError(_("The webhook address must start with https://."), code="scheme") from None
        if code == INTERNAL:
            message = _(
                "The webhook address points into an internal network (%(host)s): webhooks go only to "
                "public addresses on the internet."
            )
            raise ValidationError(message % {"host": error.host}, code="internal") from None
        raise ValidationError(_("Enter a valid http or https address."), code="invalid") from None
