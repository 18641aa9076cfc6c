"""CSRF protection: every state-changing request must carry the session's token.

The token lives in the encrypted session cookie and in a hidden ``csrf_token`` field of every
form (or the ``X-CSRF-Token`` header of a script's request). A cross-site page can make the
browser send the cookie, but cannot read the page to learn the token. Checked here, once, for
every POST/PUT/PATCH/DELETE before any route runs, so no route can forget it.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slar.web.middleware import scope_state
from slar.web.session import WebSession

FIELD = "csrf_token"
HEADER = b"x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 1024 * 1024

REFUSED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Form refused · SLAR</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/slar.css"></head>
<body><main class="narrow"><h1>This form was refused</h1>
<p>It did not carry a valid security token: it may have expired, or it was not sent from a
SLAR page. Nothing was changed.</p>
<p><a href="/">Back to SLAR</a> and try again.</p></main></body></html>
"""


def token_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


class CsrfMiddleware:
    """Refuses (403) a state-changing request without the session's token; replays the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            body.extend(message.get("body", b""))
            more = bool(message.get("more_body"))
            if len(body) > MAX_FORM_BYTES:
                await HTMLResponse("Request too large", status_code=413)(scope, receive, send)
                return
        session: WebSession = scope_state(scope)["web_session"]
        if not token_matches(session.csrf, _given_token(scope, bytes(body))):
            await HTMLResponse(REFUSED_PAGE, status_code=403)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _given_token(scope: Scope, body: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == HEADER:
            return str(value.decode("latin-1"))
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if name == FIELD:
            return value
    return None
