"""HTTP hygiene for every response: a Host check against DNS rebinding, security headers, and the 500 envelope.

Pure ASGI middleware, outermost in the stack, so even a 413 from the body limit or an unexpected exception
leaves with the same headers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach.api.errors import envelope

log = logging.getLogger("coach.api")

# The web page and static files: nothing from another origin, no framing, no plugins.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# JSON answers are never rendered as a page: they may load nothing at all.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


def inline_script_csp(html: str) -> str:
    """A CSP for a page with inline scripts (Swagger UI's start-up code): each allowed by its own hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in re.findall(r"<script>(.*?)</script>", html, re.S))
    return ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'self' {hashes}; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'")


def _host_only(value: str) -> str:
    """`example.com:8000` -> `example.com`; `[::1]:8000` -> `::1`."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def host_allowed(host: str, trusted: Iterable[str]) -> bool:
    name = _host_only(host).rstrip(".")
    for pattern in trusted:
        p = _host_only(pattern).rstrip(".")
        if p == "*" or name == p or (p.startswith("*.") and name.endswith(p[1:])):
            return True
    return False


class Hygiene:
    """Reject requests for an untrusted Host (400), add security headers, turn a crash into the 500 envelope."""

    def __init__(self, app: ASGIApp, *, trusted_hosts: Iterable[str], docs_csp: str | None = None) -> None:
        self.app = app
        self.trusted = [h for h in trusted_hosts if h.strip()]
        self.docs_csp = docs_csp

    def _headers(self, path: str, content_type: bytes) -> list[tuple[bytes, bytes]]:
        if path == "/docs" and self.docs_csp:
            csp = self.docs_csp
        elif content_type.startswith((b"text/html", b"text/css", b"text/javascript", b"application/javascript",
                                      b"image/")):
            csp = PAGE_CSP
        else:
            csp = API_CSP
        return [(b"content-security-policy", csp.encode()), *COMMON_HEADERS]

    async def _send_json(self, send: Send, path: str, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                                *self._headers(path, b"application/json")]})
        await send({"type": "http.response.body", "body": data})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
        if not host_allowed(host, self.trusted):
            # A page on another site that rebinds its DNS name to 127.0.0.1 still sends its own name as Host.
            await self._send_json(send, path, 400, envelope(
                "untrusted_host", f"requests for host {host or '(none)'!r} are not served here",
                hint="reach the server by a trusted name (127.0.0.1 or localhost by default), or add the name "
                     "to OKR_COACH_TRUSTED_HOSTS (comma-separated; * turns the check off)"))
            return
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                headers += [(k, v) for k, v in self._headers(path, ctype) if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), path)
            if started:
                raise  # half a response is out: nothing better to send than closing the connection
            await self._send_json(send, path, 500, envelope(
                "internal_error", "the server failed to handle this request",
                hint="this is a bug in okr-coach; the server log has the details"))
