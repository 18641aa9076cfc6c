"""A local HTTP endpoint that receives SLAR webhooks and checks their signature on its own.

It recomputes ``sha256=<HMAC-SHA256(secret, raw body)>`` from the raw bytes it received (it
does not use the product's signing code), answers 401 when ``X-SLAR-Signature`` is missing or
wrong, and otherwise the configured status (200 by default).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.server import free_port


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes
    signature_valid: bool

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


class WebhookReceiver:
    def __init__(self, secret: str | None = None, *, status: int = 200) -> None:
        self.secret = secret
        self.status = status
        self.received: list[Received] = []
        self.port = free_port()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                valid = receiver.verify(raw, self.headers.get("X-SLAR-Signature"))
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), raw, valid)
                )
                status = receiver.status if valid else 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def verify(self, raw: bytes, header: str | None) -> bool:
        if self.secret is None or header is None or not header.startswith("sha256="):
            return False
        expected = hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, header.removeprefix("sha256="))

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
