"""Security headers on every response.

The API answers JSON that no browser should sniff, frame, cache or show with a referrer. HSTS is sent
only when the request arrived over TLS (directly, or through a trusted proxy that says so in
``X-Forwarded-Proto``): sent over plain HTTP it would mean nothing, and on a developer's loopback it
would pin the browser to HTTPS for a year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sanic import Request
    from sanic.response import BaseHTTPResponse

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
# Other pages (the API's documentation, hub.api.docs): everything from the hub itself, no other host, no
# inline script or style (the console has its own policy: CONSOLE_CSP).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# The admin console: its own scripts only, and <style> tags only with this response's nonce (MUI/emotion
# inject them; the hub templates the nonce into index.html and the app hands it to emotion). Inline
# `style` attributes set through the DOM by React are not affected; nothing needs 'unsafe-inline'.
# QR codes for 2FA enrolment are shown as data: images. Receipts and shift reports are fetched with the
# bearer token and previewed as blob: PDFs in a frame (frame-src blob:), where the browser prints them.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; frame-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"

COMMON: Mapping[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def console_csp(nonce: str) -> str:
    return CONSOLE_CSP.format(nonce=nonce)


def security_headers(path: str, scheme: str, content_type: str | None) -> dict[str, str]:
    headers = dict(COMMON)
    is_page = (content_type or "").startswith("text/html")
    headers["Content-Security-Policy"] = PAGE_CSP if is_page else API_CSP
    if path.startswith("/api/"):
        # Tokens, balances and audit entries must not linger in a shared PC's browser cache.
        headers["Cache-Control"] = "no-store"
    if scheme in ("https", "wss"):
        headers["Strict-Transport-Security"] = HSTS
    return headers


async def add_security_headers(request: Request, response: BaseHTTPResponse) -> None:
    content_type = response.content_type
    for name, value in security_headers(request.path, request.scheme, content_type).items():
        if name not in response.headers:
            response.headers[name] = value
