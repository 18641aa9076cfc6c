"""Pure ASGI middleware: request id, one access-log line, latency metrics.

Framework-free (no Starlette import) so every HTTP role can wrap its app with it. It runs on
every request, ingestion's hundreds per second included, so it does as little as it can: the
request id header is found without building a header map, metric children are memoised, and
the access line is only formatted when ``LOG_LEVEL`` lets it through.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from slar.observability.logs import request_id_var
from slar.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS, labelled

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("slar.http")


class RequestContextMiddleware:
    """Assigns ``X-Request-ID`` (kept when the caller sent a sane one) and logs the request."""

    def __init__(self, app: ASGIApp, *, app_name: str) -> None:
        self.app = app
        self.app_name = app_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers") or ():
            if name == b"x-request-id":  # ASGI servers give header names in lower case
                incoming = value.decode("latin-1")
                break
        request_id = incoming if 0 < len(incoming) <= 128 and incoming.isprintable() else ""
        request_id = request_id or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        request_id_header = (b"x-request-id", request_id.encode("latin-1"))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers") or [])
                headers.append(request_id_header)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            labelled(HTTP_REQUESTS, self.app_name, scope.get("method", ""), str(status)).inc()
            labelled(HTTP_LATENCY, self.app_name).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %s",
                    scope.get("method"),
                    scope.get("path"),
                    status,
                    extra={"status": status, "duration_ms": round(elapsed * 1000, 2)},
                )
            request_id_var.reset(token)
