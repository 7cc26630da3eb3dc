"""Who may talk to the emulator: local clients through its own address, never a web page.

The emulator runs code (any CreateFunction + Invoke), so a request it serves is as good as a
shell on the machine. SDKs, the AWS CLI, Terraform and the functions' own boto3 calls send
``Host: <endpoint host>`` and never ``Origin`` or ``Sec-Fetch-*``; a browser always sends those,
even for the "simple" requests it makes without a preflight (a ``text/plain`` POST, an ``<img>``
GET). So the guard refuses, before anything reaches moto or the engine:

- a ``Host`` that is not a loopback name or an address the emulator listens on: a page on
  ``evil.example`` whose name is re-pointed at 127.0.0.1 (DNS rebinding) sends its own name;
- a request carrying a browser ``Origin`` other than the emulator's own or a ``--cors-origin``,
  or ``Sec-Fetch-Site: cross-site|same-site`` without such an origin. Every method, because AWS
  query APIs change state on GET too (``?Action=DeleteQueue``);
- moto's own API under ``/moto-api`` (recorder upload/replay, dashboard, seeding, state manager)
  except ``/moto-api/reset``, which the harness uses; ``--allow-moto-api`` serves all of it.

moto's Flask apps turn on flask_cors, which reflects any ``Origin`` into
``Access-Control-Allow-Origin``; every ``Access-Control-*`` header of a response is dropped here
and only an allowed origin gets them back.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import re
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

MOTO_API_PREFIX = "/moto-api"  # moto routes every path starting with this to its own API
MOTO_RESET_PATH = "/moto-api/reset"
REFUSED_TYPE = "RequestRefused"
_BROWSER_SITES = ("cross-site", "same-site")
_WILDCARD_BINDS = ("", "0.0.0.0", "::")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110 token)
_PREFLIGHT_MAX_AGE_S = "600"
_CORS_METHODS = "GET, HEAD, POST, PUT, DELETE, PATCH"


class OriginError(ValueError):
    """A ``--cors-origin`` value that is not a web origin; the message says what to pass."""


def normalize_origin(text: str) -> str:
    """``scheme://host[:port]`` as a browser sends it in ``Origin`` (lowercase, no default port).

    Raises OriginError for anything else, including ``*``: naming every origin would hand the
    emulator to every page.
    """
    example = "e.g. http://localhost:3000"
    value = text.strip()
    if value in ("*", "null"):
        raise OriginError(f"{text!r} would allow every page; name the page's origin, {example}")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise OriginError(f"{text!r} is not an origin; {example}") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise OriginError(f"{text!r} is not an origin (scheme://host[:port], no path); {example}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = 80 if parts.scheme == "http" else 443
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{host}{suffix}"


def split_host(header: str) -> tuple[str, int | None] | None:
    """``Host`` header -> (lowercase name without a trailing dot, port); None if malformed."""
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
    elif value.count(":") > 1:
        return None  # an IPv6 literal must be bracketed in Host
    else:
        name, _, port_text = value.partition(":")
        rest = f":{port_text}" if port_text else ""
    if rest and (not rest.startswith(":") or not rest[1:].isdigit()):
        return None
    name = name.rstrip(".")
    if not name:
        return None
    return name, int(rest[1:]) if rest else None


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def is_loopback_name(name: str) -> bool:
    """localhost, ``*.localhost`` (RFC 6761 keeps them on this machine), a loopback literal."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    ip = _ip(name)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip is not None and ip.is_loopback


def is_loopback_bind(host: str) -> bool:
    return is_loopback_name(host.strip("[]").lower())


def _machine_names() -> set[str]:
    names = set()
    for lookup in (socket.gethostname, socket.getfqdn):
        with contextlib.suppress(OSError):
            names.add(lookup().lower().rstrip("."))
    return {n for n in names if n}


@dataclass(frozen=True)
class GuardPolicy:
    """What the guard lets through, fixed when the server binds."""

    bound_host: str
    port: int
    cors_origins: frozenset[str] = frozenset()
    allow_moto_api: bool = False
    extra_hosts: frozenset[str] = frozenset()
    # Bound to every interface: any IP literal may be ours, and the machine's names are.
    any_ip: bool = False

    @classmethod
    def for_bind(
        cls,
        host: str,
        port: int,
        *,
        cors_origins: Iterable[str] = (),
        allow_moto_api: bool = False,
        allowed_hosts: Iterable[str] = (),
    ) -> GuardPolicy:
        bound = host.strip("[]").lower()
        extra = {h.strip().lower().rstrip(".") for h in allowed_hosts if h.strip()}
        if not is_loopback_bind(host):
            extra |= _machine_names()
        return cls(
            bound_host=bound,
            port=port,
            cors_origins=frozenset(normalize_origin(o) for o in cors_origins),
            allow_moto_api=allow_moto_api,
            extra_hosts=frozenset(extra),
            any_ip=bound in _WILDCARD_BINDS,
        )

    def host_allowed(self, name: str) -> bool:
        if is_loopback_name(name) or name == self.bound_host or name in self.extra_hosts:
            return True
        # An IP literal cannot be re-pointed by DNS; on a wildcard bind it is one of ours.
        return self.any_ip and _ip(name) is not None

    def own_origin(self, origin: str) -> bool:
        """A page the emulator itself served (same origin): moto's dashboard with the flag."""
        parts = urlsplit(origin)
        return (
            parts.scheme == "http"
            and parts.hostname is not None
            and parts.port == self.port
            and self.host_allowed(parts.hostname.lower())
        )

    def origin_allowed(self, origin: str) -> bool:
        try:
            normalized = normalize_origin(origin)
        except OriginError:
            return False  # "null" (sandboxed frames, file://) and garbage
        return normalized in self.cors_origins or self.own_origin(normalized)


@dataclass(frozen=True)
class Refusal:
    kind: str  # one warning per kind is logged
    status: str
    message: str


@dataclass
class RequestGuard:
    """WSGI middleware applying ``policy`` in front of ``app``."""

    app: Callable[..., Iterable[bytes]]
    policy: GuardPolicy
    _warned: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        refusal = self.check(environ)
        if refusal is not None:
            return self._refuse(refusal, environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        cors = origin if origin and normalize_origin(origin) in self.policy.cors_origins else None
        if cors and _is_preflight(environ):
            start_response("204 No Content", _preflight_headers(cors, environ))
            return []

        def guarded_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            if cors:
                kept += [
                    ("Access-Control-Allow-Origin", cors),
                    ("Access-Control-Expose-Headers", "*"),
                    ("Vary", "Origin"),
                ]
            return start_response(status, kept, exc_info)

        return self.app(environ, guarded_start)

    def check(self, environ: dict[str, Any]) -> Refusal | None:
        port = self.policy.port
        host_header = environ.get("HTTP_HOST")
        if host_header is not None:  # browsers always send Host; only they can be rebound
            parsed = split_host(host_header)
            if parsed is None or not self.policy.host_allowed(parsed[0]):
                name = parsed[0] if parsed else host_header
                return Refusal(
                    "host",
                    "403 Forbidden",
                    f"refused a request for Host {host_header!r}: not this emulator's address "
                    f"(a web page re-pointing its name here looks like this); call "
                    f"http://127.0.0.1:{port}, or run the emulator with --allow-host {name} "
                    "if that name is yours",
                )
        origin = environ.get("HTTP_ORIGIN")
        site = environ.get("HTTP_SEC_FETCH_SITE", "").strip().lower()
        if origin is not None and not self.policy.origin_allowed(origin):
            shown = origin if origin.strip() else "(empty)"
            return Refusal(
                "origin",
                "403 Forbidden",
                f"refused a request from the web page at Origin {shown}: a page must not drive "
                f"an emulator that runs code; run the emulator with --cors-origin {shown} if "
                "that page must call it",
            )
        if origin is None and site in _BROWSER_SITES:
            return Refusal(
                "fetch-site",
                "403 Forbidden",
                f"refused a {site} browser request (Sec-Fetch-Site: {site}): a page must not "
                "drive an emulator that runs code; call it with fetch() from a page allowed by "
                "--cors-origin",
            )
        path = environ.get("PATH_INFO", "")
        if (
            path.startswith(MOTO_API_PREFIX)
            and path != MOTO_RESET_PATH
            and not self.policy.allow_moto_api
        ):
            return Refusal(
                "moto-api",
                "403 Forbidden",
                f"{path} is moto's own API (recorder, dashboard, seeding), not an AWS API, and "
                "is off; run the emulator with --allow-moto-api to use it",
            )
        return None

    def _refuse(
        self, refusal: Refusal, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self._lock:
            first = refusal.kind not in self._warned
            self._warned.add(refusal.kind)
        request = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO', '')}"
        if first:
            log.warning("%s: %s (more of this kind are logged at INFO)", request, refusal.message)
        else:
            log.info("%s: %s", request, refusal.message)
        body = json.dumps(
            {"error": refusal.message, "__type": REFUSED_TYPE, "message": refusal.message}
        ).encode()
        # x-amzn-ErrorType lets botocore name the refusal instead of "Unknown".
        start_response(
            refusal.status,
            [("Content-Type", "application/json"), ("x-amzn-ErrorType", REFUSED_TYPE)],
        )
        return [body]


def _is_preflight(environ: dict[str, Any]) -> bool:
    return environ.get("REQUEST_METHOD") == "OPTIONS" and bool(
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
    )


def _preflight_headers(origin: str, environ: dict[str, Any]) -> list[tuple[str, str]]:
    asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
    # Echo only well-formed header names: "*" does not cover Authorization, which SDKs sign.
    names = [n.strip() for n in asked.split(",") if _TOKEN.match(n.strip())]
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", _CORS_METHODS),
        ("Access-Control-Max-Age", _PREFLIGHT_MAX_AGE_S),
        ("Vary", "Origin, Access-Control-Request-Headers"),
    ]
    if names:
        headers.append(("Access-Control-Allow-Headers", ", ".join(names)))
    return headers


def exposure_warning(host: str, port: int) -> str | None:
    """The start-up warning for a bind that other machines can reach."""
    if is_loopback_bind(host):
        return None
    return (
        f"asyncdlq emulator: WARNING: listening on {host}:{port}, not loopback: anyone who can "
        "reach this port can run code on this machine (CreateFunction + Invoke); use --host "
        "127.0.0.1 unless this network is yours alone"
    )
