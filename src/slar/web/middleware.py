"""The session cookie and security headers, as plain ASGI middleware.

Pure ASGI (not ``BaseHTTPMiddleware``) so that the request body stays a stream the CSRF check
can read and replay, and so that every response, including errors, gets the headers.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slar.web.session import COOKIE, SessionCodec, WebSession

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def web_session(conn: HTTPConnection) -> WebSession:
    """The request's session (the middleware always puts one there)."""
    session: WebSession = conn.scope["state"]["web_session"]
    return session


class SessionMiddleware:
    """Decodes the cookie into ``scope['state']['web_session']``; re-sends it when changed."""

    def __init__(self, app: ASGIApp, *, codec: SessionCodec, secure: bool) -> None:
        self.app = app
        self.codec = codec
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        session = self.codec.decode(conn.cookies.get(COOKIE))
        if session is None:
            session = WebSession(dirty=True)
        scope.setdefault("state", {})["web_session"] = session
        is_static = scope["path"].startswith("/static/")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not is_static:
                    headers.setdefault("Cache-Control", "no-store")
                if session.dirty and not is_static:
                    headers.append("Set-Cookie", self._cookie(session))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, session: WebSession) -> str:
        parts = [
            f"{COOKIE}={self.codec.encode(session)}",
            "Path=/",
            f"Max-Age={self.codec.ttl_seconds}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


def scope_state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state
